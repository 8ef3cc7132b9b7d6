import { describe, expect, test } from 'vitest';
import {
  MAX_GENERATED_BASE_LENGTH, SAFE_ALPHABET, computeTemplateHash, encodeSafeString, generatePodName, hashFnv1a32,
  serializeCanonical,
} from '../../../src/pods/naming.js';

/** Returns the given values in turn, then repeats the last. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)] ?? 0;
}

describe('generatePodName', () => {
  const long = 'a'.repeat(70);
  test.each([
    { name: 'rng 0 picks the first letter', ds: 'ssd-monitor', rng: sequence(0), want: 'ssd-monitor-bbbbb' },
    { name: 'rng just below 1 picks the last', ds: 'ssd-monitor', rng: sequence(0.9999), want: 'ssd-monitor-99999' },
    { name: 'rng exactly 1 is clamped', ds: 'x', rng: sequence(1), want: 'x-99999' },
    { name: 'each draw picks one character', ds: 'fluentd', rng: sequence(0, 1 / 27, 2 / 27, 20 / 27, 26 / 27), want: 'fluentd-bcd29' },
    { name: 'a long base is cut to 58 characters', ds: long, rng: sequence(0), want: `${'a'.repeat(58)}bbbbb` },
  ])('$name', ({ ds, rng, want }) => {
    expect(generatePodName(ds, rng)).toBe(want);
  });

  test('a generated name fits a DNS label and uses only the safe alphabet', () => {
    const name = generatePodName('b'.repeat(100), sequence(0.3, 0.6, 0.9));
    expect(name).toHaveLength(63);
    expect(MAX_GENERATED_BASE_LENGTH).toBe(58);
    for (const ch of name.slice(58)) expect(SAFE_ALPHABET).toContain(ch);
  });
});

describe('hashFnv1a32', () => {
  test.each([
    { name: 'empty input is the offset basis', input: '', want: 0x811c9dc5 },
    { name: '"a"', input: 'a', want: 0xe40c292c },
    { name: '"foobar"', input: 'foobar', want: 0xbf9cf968 },
  ])('$name', ({ input, want }) => {
    expect(hashFnv1a32(new TextEncoder().encode(input))).toBe(want);
  });
});

describe('encodeSafeString', () => {
  test.each([
    { name: 'digits map by char code % 27', input: '0123456789', want: '456789bcdf' },
    { name: 'the offset basis', input: '2166136261', want: '65bb57b6b5' },
  ])('$name', ({ input, want }) => {
    expect(encodeSafeString(input)).toBe(want);
  });
});

describe('computeTemplateHash', () => {
  const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', command: ['sleep', '1'] }] } };
  const reordered = { spec: { containers: [{ command: ['sleep', '1'], name: 'c' }] }, metadata: { labels: { app: 'x' } } };

  test.each([
    { name: 'key order does not matter', a: template, b: reordered, same: true },
    { name: 'undefined members are ignored', a: template, b: { ...template, extra: undefined }, same: true },
    { name: 'a changed command changes the hash', a: template, b: { ...template, spec: { containers: [{ name: 'c', command: ['sleep', '2'] }] } }, same: false },
    { name: 'array order matters', a: { l: [1, 2] }, b: { l: [2, 1] }, same: false },
  ])('$name', ({ a, b, same }) => {
    expect(computeTemplateHash(a) === computeTemplateHash(b)).toBe(same);
  });

  test('a known template always hashes the same (stable across runs)', () => {
    expect(serializeCanonical({ b: 1, a: [true, null, 'x'] })).toBe('{"a":[true,null,"x"],"b":1}');
    expect(computeTemplateHash({})).toBe(encodeSafeString(String(hashFnv1a32(new TextEncoder().encode('{}')))));
    expect(computeTemplateHash(template)).toMatch(/^[bcdf4-9]+$/);
  });

  test.each([
    { name: 'collision count 0 differs from none', a: undefined, b: 0 },
    { name: 'collision counts 1 and 2 differ', a: 1, b: 2 },
  ])('$name', ({ a, b }) => {
    expect(computeTemplateHash(template, a)).not.toBe(computeTemplateHash(template, b));
  });

  test('the collision count is hashed as 8 little-endian bytes', () => {
    const body = new TextEncoder().encode(serializeCanonical(template));
    const h = hashFnv1a32(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]), hashFnv1a32(body));
    expect(computeTemplateHash(template, 1)).toBe(encodeSafeString(String(h)));
  });
});
