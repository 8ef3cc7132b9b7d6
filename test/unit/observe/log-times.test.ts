// Mapping recorded `<size> <ms>` entries back to lines for `logs --timestamps`.
import { describe, expect, test } from 'vitest';
import { stampLines, stampNow } from '../../../src/observe/log-times.js';

const T = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString().replace('.000Z', '.000000000Z');
const ms = (s: number): number => Date.UTC(2026, 0, 1, 0, 0, s);

describe('stampLines', () => {
  test.each([
    { name: 'each line gets the first entry that covers its end', text: 'a\nbb\nccc\n', times: `2 ${ms(1)}\n5 ${ms(2)}\n9 ${ms(3)}\n`, want: `${T(1)} a\n${T(2)} bb\n${T(3)} ccc\n` },
    { name: 'one entry covering several lines', text: 'a\nb\n', times: `4 ${ms(5)}\n`, want: `${T(5)} a\n${T(5)} b\n` },
    { name: 'lines past the last entry get the fallback', text: 'a\nb\n', times: `2 ${ms(1)}\n`, want: `${T(1)} a\n${T(9)} b\n` },
    { name: 'no index at all', text: 'x\n', times: '', want: `${T(9)} x\n` },
    { name: 'a partial last line', text: 'a\nb', times: `2 ${ms(1)}\n`, want: `${T(1)} a\n${T(9)} b` },
    { name: 'multi-byte characters count as bytes', text: 'é\nz\n', times: `3 ${ms(1)}\n5 ${ms(2)}\n`, want: `${T(1)} é\n${T(2)} z\n` },
    { name: 'an empty log', text: '', times: '', want: '' },
  ])('$name', ({ text, times, want }) => {
    expect(stampLines(text, times, ms(9))).toBe(want);
  });

  test('stampNow prefixes only at line starts across chunks', () => {
    const state = { value: true };
    expect(stampNow('a\nb', ms(1), state) + stampNow('c\nd\n', ms(2), state)).toBe(`${T(1)} a\n${T(1)} bc\n${T(2)} d\n`);
  });
});
