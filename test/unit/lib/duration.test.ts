// Ports k8s staging/src/k8s.io/apimachinery/pkg/util/duration/duration_test.go (TestHumanDuration,
// TestHumanDurationBoundaries) and the accepted/rejected forms of Go's time.ParseDuration
// (src/time/time_test.go parseDurationTests), rewritten as hostds tables.
import { describe, expect, test } from 'vitest';
import { humanDuration, parseDuration } from '../../../src/lib/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

describe('humanDuration', () => {
  const rows: { name: string; ms: number; want: string }[] = [
    { name: 'one second', ms: S, want: '1s' },
    { name: 'seconds up to two minutes', ms: 70 * S, want: '70s' },
    { name: 'minutes and seconds under ten minutes', ms: 190 * S, want: '3m10s' },
    { name: 'minutes up to three hours', ms: 70 * M, want: '70m' },
    { name: 'hours up to two days', ms: 47 * H, want: '47h' },
    { name: 'days and hours up to eight days', ms: 49 * H, want: '2d1h' },
    { name: 'days past eight days', ms: (8 * 24 + 2) * H, want: '8d' },
    { name: 'days up to two years', ms: 367 * D, want: '367d' },
    { name: 'years and days up to eight years', ms: 2 * Y + 25 * H, want: '2y1d' },
    { name: 'years past eight years', ms: 8 * Y + 2 * H, want: '8y' },
  ];
  test.each(rows)('$name: $want', ({ ms, want }) => {
    expect(humanDuration(ms)).toBe(want);
  });
});

describe('humanDuration boundaries', () => {
  const rows: { name: string; ms: number; want: string }[] = [
    { name: 'two seconds in the past is invalid', ms: -2 * S, want: '<invalid>' },
    { name: 'just under two seconds in the past is clock skew', ms: -2 * S + 1, want: '0s' },
    { name: 'zero', ms: 0, want: '0s' },
    { name: 'under a second', ms: S - 1, want: '0s' },
    { name: 'just under two minutes', ms: 2 * M - 1, want: '119s' },
    { name: 'two minutes', ms: 2 * M, want: '2m' },
    { name: 'two minutes one second', ms: 2 * M + S, want: '2m1s' },
    { name: 'just under ten minutes', ms: 10 * M - 1, want: '9m59s' },
    { name: 'ten minutes', ms: 10 * M, want: '10m' },
    { name: 'ten minutes one second drops the seconds', ms: 10 * M + S, want: '10m' },
    { name: 'just under three hours', ms: 3 * H - 1, want: '179m' },
    { name: 'three hours', ms: 3 * H, want: '3h' },
    { name: 'three hours one minute', ms: 3 * H + M, want: '3h1m' },
    { name: 'just under eight hours', ms: 8 * H - 1, want: '7h59m' },
    { name: 'eight hours', ms: 8 * H, want: '8h' },
    { name: 'eight hours 59 minutes drops the minutes', ms: 8 * H + 59 * M, want: '8h' },
    { name: 'just under two days', ms: 2 * D - 1, want: '47h' },
    { name: 'two days', ms: 2 * D, want: '2d' },
    { name: 'two days one hour', ms: 2 * D + H, want: '2d1h' },
    { name: 'just under eight days', ms: 8 * D - 1, want: '7d23h' },
    { name: 'eight days', ms: 8 * D, want: '8d' },
    { name: 'eight days 23 hours drops the hours', ms: 8 * D + 23 * H, want: '8d' },
    { name: 'just under two years', ms: 2 * Y - 1, want: '729d' },
    { name: 'two years', ms: 2 * Y, want: '2y' },
    { name: 'two years 23 hours', ms: 2 * Y + 23 * H, want: '2y' },
    { name: 'two years 23 hours 59 minutes', ms: 2 * Y + 23 * H + 59 * M, want: '2y' },
    { name: 'just under two years one day', ms: 2 * Y + D - 1, want: '2y' },
    { name: 'two years one day', ms: 2 * Y + D, want: '2y1d' },
    { name: 'three years', ms: 3 * Y, want: '3y' },
    { name: 'four years', ms: 4 * Y, want: '4y' },
    { name: 'five years', ms: 5 * Y, want: '5y' },
    { name: 'six years', ms: 6 * Y, want: '6y' },
    { name: 'seven years', ms: 7 * Y, want: '7y' },
    { name: 'just under eight years', ms: 8 * Y - 1, want: '7y364d' },
    { name: 'eight years', ms: 8 * Y, want: '8y' },
    { name: 'eight years 364 days drops the days', ms: 8 * Y + 364 * D, want: '8y' },
    { name: 'nine years', ms: 9 * Y, want: '9y' },
  ];
  test.each(rows)('$name: $want', ({ ms, want }) => {
    expect(humanDuration(ms)).toBe(want);
  });
});

describe('parseDuration accepts Go duration strings', () => {
  const rows: { name: string; text: string; ms: number }[] = [
    { name: 'bare zero', text: '0', ms: 0 },
    { name: 'signed zero', text: '-0', ms: 0 },
    { name: 'zero with unit', text: '0s', ms: 0 },
    { name: 'milliseconds', text: '300ms', ms: 300 },
    { name: 'seconds', text: '3s', ms: 3000 },
    { name: 'minutes', text: '5m', ms: 300_000 },
    { name: 'hours and minutes', text: '1h30m', ms: 5_400_000 },
    { name: 'every unit in one string', text: '1h1m1s1ms1us1ns', ms: 3_661_001.001001 },
    { name: 'a fraction', text: '1.5h', ms: 5_400_000 },
    { name: 'a fraction without leading digits', text: '.5s', ms: 500 },
    { name: 'a trailing dot', text: '5.s', ms: 5000 },
    { name: 'a fraction that is not binary-exact', text: '1.1s', ms: 1100 },
    { name: 'a plus sign', text: '+5s', ms: 5000 },
    { name: 'a minus sign', text: '-1.5h', ms: -5_400_000 },
    { name: 'microseconds as us', text: '1500us', ms: 1.5 },
    { name: 'microseconds with the micro sign', text: '2µs', ms: 0.002 },
    { name: 'microseconds with the Greek mu', text: '2μs', ms: 0.002 },
    { name: 'nanoseconds', text: '1000000ns', ms: 1 },
    { name: 'repeated units add up', text: '1m1m', ms: 120_000 },
  ];
  test.each(rows)('$name: $text', ({ text, ms }) => {
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('parseDuration rejects what Go rejects, naming the value', () => {
  const rows: { name: string; text: string; why: string }[] = [
    { name: 'empty string', text: '', why: 'empty' },
    { name: 'a sign alone', text: '-', why: 'empty' },
    { name: 'a number without unit', text: '3', why: 'missing unit' },
    { name: 'a unit without number', text: 's', why: 'expected a number' },
    { name: 'a dot alone', text: '.s', why: 'expected a number' },
    { name: 'an unknown unit', text: '5x', why: 'unknown unit "x"' },
    { name: 'days are not a Go unit', text: '1d', why: 'unknown unit "d"' },
    { name: 'a space inside', text: '1 s', why: 'unknown unit " s"' },
    { name: 'a second dot', text: '1.2.3s', why: 'missing unit' },
    { name: 'a trailing number without unit', text: '1h30', why: 'missing unit' },
  ];
  test.each(rows)('$name: "$text"', ({ text, why }) => {
    expect(() => parseDuration(text)).toThrow(`invalid duration "${text}": ${why}`);
  });
});
