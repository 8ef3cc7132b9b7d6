import { describe, expect, test } from 'vitest';
import { formatJson, formatTable, formatYaml } from '../../../src/cli/output.js';

describe('kubectl output forms', () => {
  test('tables pad columns to the widest cell plus three spaces and end lines without padding', () => {
    expect(formatTable(['NAME', 'AGE'], [['ssd-monitor', '10s'], ['a', '3m27s']])).toBe(
      'NAME          AGE\nssd-monitor   10s\na             3m27s\n');
  });

  test('json uses four spaces and sorted keys, as kubectl prints unstructured objects', () => {
    expect(formatJson({ b: 1, a: { d: [1], c: 'x' } })).toBe('{\n    "a": {\n        "c": "x",\n        "d": [\n            1\n        ]\n    },\n    "b": 1\n}\n');
  });

  test('yaml puts list items at the key indentation, like kubectl -o yaml', () => {
    expect(formatYaml({ spec: { containers: [{ name: 'main', image: 'x' }] }, apiVersion: 'v1' })).toBe(
      'apiVersion: v1\nspec:\n  containers:\n  - image: x\n    name: main\n');
  });
});
