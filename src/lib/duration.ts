// Durations as operators read and write them: kubectl's AGE column
// (k8s.io/apimachinery/pkg/util/duration.HumanDuration) and Go duration strings for config
// (time.ParseDuration), so hostds prints and accepts what kubectl and the kubelet do.

/**
 * HumanDuration: about 2-3 significant figures. Up to a second of clock skew counts as "0s";
 * more than that in the past is "<invalid>". Go truncates toward zero, hence Math.trunc.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) return withRest(minutes, 'm', seconds % 60, 's');
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) return withRest(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return withRest(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) return withRest(years, 'y', days % 365, 'd');
  return `${years}y`;
}

function withRest(major: number, majorUnit: string, rest: number, restUnit: string): string {
  return rest === 0 ? `${major}${majorUnit}` : `${major}${majorUnit}${rest}${restUnit}`;
}

/** Nanoseconds per unit, as Go's time package spells the units. */
const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const COMPONENT = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]*)/;

function invalidDuration(text: string, why: string): Error {
  return new Error(`invalid duration "${text}": ${why} (examples: 300ms, 3s, 5m, 1h30m)`);
}

/** One `<number><unit>` component of a duration, in nanoseconds, and the characters it used. */
function parseComponent(rest: string, text: string): { ns: bigint; length: number } {
  const m = COMPONENT.exec(rest);
  const whole = m?.[1] ?? '';
  const fraction = m?.[2] ?? '';
  const unit = m?.[3] ?? '';
  if (m === null || (whole === '' && fraction === '')) throw invalidDuration(text, 'expected a number');
  if (unit === '') throw invalidDuration(text, 'missing unit');
  const perUnit = UNIT_NS[unit];
  if (perUnit === undefined) throw invalidDuration(text, `unknown unit "${unit}", use ns, us, ms, s, m or h`);
  const scale = 10n ** BigInt(fraction.length);
  // Go truncates the fractional part to whole nanoseconds.
  const ns = BigInt(whole || '0') * perUnit + (BigInt(fraction || '0') * perUnit) / scale;
  return { ns, length: m[0].length };
}

/**
 * time.ParseDuration: a signed sequence of decimal numbers, each with an optional fraction and
 * a unit, such as "300ms", "-1.5h" or "2h45m"; a bare "0" is allowed. Returns milliseconds
 * (fractional below 1ms). Throws an Error naming the bad value.
 */
export function parseDuration(text: string): number {
  let rest = text;
  let sign = 1n;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1n : 1n;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw invalidDuration(text, 'empty');
  let total = 0n;
  while (rest !== '') {
    const { ns, length } = parseComponent(rest, text);
    total += ns;
    rest = rest.slice(length);
  }
  return Number(sign * total) / 1e6;
}
