import { describe, expect, test } from 'vitest';
import { AFTER_TRIM, periodicTick, QUIET_WAIT_MAX_MS, startUpTrimNow, statusKiB, trimmableRanges } from '../../../src/lib/trim-plan.js';

const EXE = '/usr/bin/node';

/** One smaps entry as the kernel prints it (only the lines the plan reads, plus a few it skips). */
function entry(header: string, f: { rss?: number; anon?: number; swap?: number; locked?: number; noAnonLine?: boolean; noSwapLine?: boolean } = {}): string {
  return [
    header,
    'Size:                100 kB',
    `Rss:                 ${f.rss ?? 40} kB`,
    'Pss:                  40 kB',
    ...(f.noAnonLine ? [] : [`Anonymous:           ${f.anon ?? 0} kB`]),
    'AnonHugePages:         0 kB',
    ...(f.noSwapLine ? [] : [`Swap:                ${f.swap ?? 0} kB`]),
    'SwapPss:               0 kB',
    `Locked:              ${f.locked ?? 0} kB`,
    'VmFlags: rd ex mr mw me sd',
  ].join('\n');
}

describe('trimmableRanges', () => {
  test.each([
    { name: "node's text", header: '00b72000-025fe000 r-xp 00772000 fe:00 260689                     /usr/bin/node', want: true },
    { name: 'read-only data of a library', header: '7f00aa000000-7f00aa028000 r--p 00000000 fe:00 1234   /usr/lib/x86_64-linux-gnu/libc.so.6', want: true },
    // /proc/self/exe then reads the same way.
    { name: 'the program replaced on disk while it runs', header: '00400000-00b6f000 r--p 00000000 fe:00 260689  /usr/bin/node (deleted)', exe: '/usr/bin/node (deleted)', want: true },
    { name: 'RELRO: read-only now, relocated in place', header: '0563a000-0563e000 r--p 05239000 fe:00 260689 /usr/bin/node', f: { anon: 16 }, want: false },
    { name: 'RELRO with its relocated pages swapped out', header: '0563a000-0563e000 r--p 05239000 fe:00 260689 /usr/bin/node', f: { rss: 4, swap: 12 }, want: false },
    { name: 'no Swap line (an unknown kernel)', header: '7f00aa000000-7f00aa028000 r-xp 00000000 fe:00 1234 /usr/lib/libx.so', f: { noSwapLine: true }, want: false },
    { name: 'a path with spaces', header: '7f00aa000000-7f00aa028000 r-xp 00000000 fe:00 1234 /opt/my node/lib/libx.so.1', want: true },
    { name: 'text with a breakpoint written in', header: '00b72000-025fe000 r-xp 00772000 fe:00 260689 /usr/bin/node', f: { anon: 4 }, want: false },
    { name: 'writable data', header: '0563e000-0565d000 rw-p 0523d000 fe:00 260689 /usr/bin/node', want: false },
    { name: 'a shared file mapping', header: '7f00bb000000-7f00bb001000 r--s 00000000 fe:00 999 /var/lib/x', want: false },
    { name: 'anonymous memory', header: '31d675000000-31d675073000 rw-p 00000000 00:00 0', want: false },
    { name: 'read-only anonymous memory', header: '31d675000000-31d675073000 r--p 00000000 00:00 0', want: false },
    { name: 'the heap', header: '0c4bc000-0c84f000 rw-p 00000000 00:00 0                                  [heap]', want: false },
    { name: 'the vdso', header: '7ffd1b3f4000-7ffd1b3f6000 r-xp 00000000 00:00 0                          [vdso]', want: false },
    { name: 'a shared object with a version', header: '7f00aa000000-7f00aa028000 r-xp 00000000 fe:00 1234 /usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30', want: true },
    { name: 'a node addon', header: '7f00aa000000-7f00aa028000 r-xp 00000000 fe:00 1234 /usr/lib/hostds/dist/native/hostds-trim.node', want: true },
    { name: 'a library replaced on disk while mapped', header: '7f00aa000000-7f00aa028000 r-xp 00000000 fe:00 1234 /usr/lib/libx.so.1 (deleted)', want: true },
    { name: 'a data file (the locale archive)', header: '7f00ee000000-7f00ee300000 r--p 00000000 fe:00 555 /usr/lib/locale/locale-archive', want: false },
    { name: 'another program', header: '00400000-00b6f000 r--p 00000000 fe:00 777 /usr/bin/python3', want: false },
    { name: 'a device', header: '7f00cc000000-7f00cc001000 r--p 00000000 00:05 12 /dev/dri/card0', want: false },
    { name: 'a memfd', header: '7f00dd000000-7f00dd001000 r--p 00000000 00:01 77 /memfd:jit (deleted)', want: false },
    { name: 'locked pages', header: '7f00aa000000-7f00aa028000 r-xp 00000000 fe:00 1234 /usr/lib/libx.so', f: { locked: 40 }, want: false },
    { name: 'nothing resident', header: '7f00aa000000-7f00aa028000 r-xp 00000000 fe:00 1234 /usr/lib/libx.so', f: { rss: 0 }, want: false },
    { name: 'no Anonymous line (an unknown kernel)', header: '7f00aa000000-7f00aa028000 r-xp 00000000 fe:00 1234 /usr/lib/libx.so', f: { noAnonLine: true }, want: false },
    { name: 'an address past 2^53', header: '100000000000000-100000000001000 r-xp 00000000 fe:00 1234 /usr/lib/libx.so', want: false },
  ])('$name: $want', ({ header, f, exe, want }: { header: string; f?: Parameters<typeof entry>[1]; exe?: string; want: boolean }) => {
    expect(trimmableRanges(`${entry(header, f)}\n`, exe ?? EXE).length).toBe(want ? 1 : 0);
  });

  test('ranges carry start, length, resident size and path; each entry is judged on its own lines', () => {
    const smaps = [
      entry('00400000-00b6f000 r--p 00000000 fe:00 260689 /usr/bin/node', { rss: 5944 }),
      entry('0563a000-0563e000 r--p 05239000 fe:00 260689 /usr/bin/node', { rss: 16, anon: 16 }),
      entry('00b72000-025fe000 r-xp 00772000 fe:00 260689 /usr/bin/node', { rss: 17208 }),
      '',
    ].join('\n');
    expect(trimmableRanges(smaps, EXE)).toEqual([
      { start: 0x400000, length: 0xb6f000 - 0x400000, rssKiB: 5944, path: '/usr/bin/node' },
      { start: 0xb72000, length: 0x25fe000 - 0xb72000, rssKiB: 17208, path: '/usr/bin/node' },
    ]);
  });

  test('empty or foreign text gives nothing', () => {
    expect(trimmableRanges('', EXE)).toEqual([]);
    expect(trimmableRanges('Rss: 100 kB\nAnonymous: 0 kB\n', EXE)).toEqual([]);
  });
});

describe('statusKiB', () => {
  const status = 'Name:\tnode\nVmRSS:\t   54936 kB\nRssAnon:\t   15136 kB\nRssFile:\t   39800 kB\nRssShmem:\t       0 kB\n';
  test.each([
    { name: 'VmRSS' as const, want: 54936 },
    { name: 'RssAnon' as const, want: 15136 },
    { name: 'RssFile' as const, want: 39800 },
  ])('$name', ({ name, want }) => {
    expect(statusKiB(status, name)).toBe(want);
  });
  test('a missing line is undefined', () => {
    expect(statusKiB('Name:\tnode\n', 'RssFile')).toBeUndefined();
  });
});

describe('periodicTick', () => {
  test.each([
    { name: 'never trimmed (off at start, on now)', state: { trimmed: false }, now: 30_000, trim: true, next: { trimmed: false } },
    { name: 'the first tick after a trim takes the baseline', state: AFTER_TRIM, now: 9_000, trim: false, next: { trimmed: true, baselineKiB: 9_000 } },
    { name: 'grown by the threshold over the baseline', state: { trimmed: true, baselineKiB: 12_000 }, now: 16_096, trim: true, next: { trimmed: true, baselineKiB: 12_000 } },
    { name: 'grown by less', state: { trimmed: true, baselineKiB: 12_000 }, now: 16_095, trim: false, next: { trimmed: true, baselineKiB: 12_000 } },
    { name: 'shrunk', state: { trimmed: true, baselineKiB: 12_000 }, now: 9_000, trim: false, next: { trimmed: true, baselineKiB: 12_000 } },
    { name: 'status unreadable', state: { trimmed: true, baselineKiB: 12_000 }, now: undefined, trim: false, next: { trimmed: true, baselineKiB: 12_000 } },
  ])('$name', ({ state, now, trim, next }) => {
    expect(periodicTick(state, now, 4096)).toEqual({ trim, state: next });
  });
});

describe('startUpTrimNow', () => {
  test.each([
    { name: 'a quiet window', utilization: 0.01, waited: 100, want: true },
    { name: 'a busy window', utilization: 0.4, waited: 100, want: false },
    { name: 'at the threshold', utilization: 0.05, waited: 100, want: false },
    { name: 'busy for too long', utilization: 0.9, waited: QUIET_WAIT_MAX_MS, want: true },
  ])('$name: $want', ({ utilization, waited, want }) => {
    expect(startUpTrimNow(utilization, waited)).toBe(want);
  });
});
