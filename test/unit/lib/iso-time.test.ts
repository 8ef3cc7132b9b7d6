import { describe, expect, test } from 'vitest';
import { isoSeconds } from '../../../src/lib/iso-time.js';

describe('isoSeconds', () => {
  test.each([
    { ms: Date.UTC(2026, 10, 29, 10, 0, 0), want: '2026-11-29T10:00:00Z' },
    { ms: Date.UTC(2026, 10, 29, 10, 0, 0, 999), want: '2026-11-29T10:00:00Z' },
    { ms: 0, want: '1970-01-01T00:00:00Z' },
    { ms: Date.UTC(9999, 11, 31, 23, 59, 59, 500), want: '9999-12-31T23:59:59Z' },
    { ms: Date.UTC(10000, 0, 1), want: '+010000-01-01T00:00:00Z' },
    { ms: Date.UTC(-1, 0, 1, 0, 0, 0, 1), want: '-000001-01-01T00:00:00Z' },
  ])('$want', ({ ms, want }) => {
    expect(isoSeconds(ms)).toBe(want);
  });
});
