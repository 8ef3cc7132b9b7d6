// The memory trim (docs/memory-trim.md) on real processes: the agent drops its start-up pages and
// goes on supervising; `memoryTrimInterval: 0` keeps them; the periodic trim follows growth; a
// missing addon is one log line. Sizes come from /proc/PID/status, read by the test itself.
import { describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findCompiler, findNodeHeaders } from '../../scripts/build-native.mjs';
import { dsYaml } from '../helpers/cli.js';
import { FIXTURES, prepareRoot, startAgent, statePids, waitForRunning, type AgentProcess } from '../helpers/agent.js';
import { waitFor, waitForValue } from '../helpers/wait.js';
import { DEFAULT_TRIM_ADDON, loadTrimAddon, startMemoryTrim, trimOnce, TRIM_GROWTH_KIB } from '../../src/agent/memory-trim.js';
import { jsonLogger } from '../../src/observe/logger.js';
import { statusKiB } from '../../src/lib/trim-plan.js';

const isCI = process.env.CI === 'true' || process.env.CI === '1';
const buildable = findCompiler() !== undefined && findNodeHeaders() !== undefined;
/** Where the addon must exist: CI, or a machine that can build it (then a missing one is a failure). */
const ADDON_EXPECTED = isCI || buildable || existsSync(DEFAULT_TRIM_ADDON);
const SKIP_REASON = 'hostds-trim.node cannot be built here (no C compiler or no node headers) and this is not CI';

const rssFileOf = (pid: number | 'self'): number => statusKiB(readFileSync(`/proc/${pid}/status`, 'utf8'), 'RssFile')!;

interface TrimLine { reason: string; droppedKiB: number; mappings: number; rssFileKiBBefore: number; rssFileKiBAfter: number; rssKiBBefore: number; rssKiBAfter: number }

/** The complete JSON lines of a log (not one still being written; not a stray stderr warning). */
function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').slice(0, -1).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

function trimLines(output: string): TrimLine[] {
  return jsonLines(output).filter((l) => l['msg'] === 'memory trimmed') as unknown as TrimLine[];
}

function captureLog(): { log: ReturnType<typeof jsonLogger>; lines: () => Record<string, unknown>[] } {
  let text = '';
  const log = jsonLogger('info', { write: (s: string) => { text += s; return true; } } as Parameters<typeof jsonLogger>[1]);
  return { log, lines: () => jsonLines(text) };
}

describe('memory trim', () => {
  test('the agent drops its start-up pages once start-up is quiet, and supervises as before', async (ctx) => {
    if (!ADDON_EXPECTED) ctx.skip(SKIP_REASON);
    const root = await prepareRoot({ 'a.yaml': dsYaml('a'), 'b.yaml': dsYaml('b'), 'c.yaml': dsYaml('c') });
    const agent = await startAgent(root);
    try {
      const line = await waitForValue(() => trimLines(agent.output())[0], 15_000, 'the start-up trim');
      expect(line.reason).toBe('start-up');
      // node's own binary alone maps tens of MiB while it starts.
      expect(line.droppedKiB).toBeGreaterThan(8 * 1024);
      expect(line.mappings).toBeGreaterThan(0);
      expect(line.rssFileKiBAfter).toBeLessThan(line.rssFileKiBBefore - 8 * 1024);
      expect(line.rssKiBAfter).toBeLessThan(line.rssKiBBefore);
      // Seen from outside, the pages stay given back: the agent does not need them again.
      expect(rssFileOf(agent.pid)).toBeLessThan(line.rssFileKiBBefore - 4 * 1024);

      // And everything still runs: a killed daemon is replaced, the CLI reads the agent.
      await waitForRunning(root, 3);
      const before = await statePids(root);
      process.kill(before['a/main'] ?? Object.values(before)[0]!, 'SIGKILL');
      await waitFor(async () => {
        const now = await statePids(root);
        return Object.keys(now).length === 3 && Object.entries(now).some(([k, pid]) => before[k] !== undefined && before[k] !== pid);
      }, 15_000, 'the killed daemon to be replaced');
      await waitForRunning(root, 3);
      expect(agent.output()).not.toMatch(/"level":50/);
    } finally {
      await agent.stop();
    }
  }, 60_000);

  test('memoryTrimInterval: 0 keeps the pages (beside an agent that trims)', async (ctx) => {
    if (!ADDON_EXPECTED) ctx.skip(SKIP_REASON);
    const [onRoot, offRoot] = await Promise.all([prepareRoot({ 'a.yaml': dsYaml('a') }), prepareRoot({ 'a.yaml': dsYaml('a') }, 'memoryTrimInterval: 0s\n')]);
    const agents: AgentProcess[] = [];
    try {
      agents.push(await startAgent(offRoot));
      agents.push(await startAgent(onRoot));
      const [off, on] = agents as [AgentProcess, AgentProcess];
      // The agent started second has trimmed: the first one, had it been going to, would have by now.
      await waitForValue(() => trimLines(on.output())[0], 15_000, 'the start-up trim');
      await waitForRunning(offRoot, 1);
      expect(trimLines(off.output())).toEqual([]);
      expect(off.output()).not.toContain('memory trim');
      expect(rssFileOf(off.pid)).toBeGreaterThan(rssFileOf(on.pid) + 8 * 1024);
    } finally {
      for (const a of agents) await a.stop();
    }
  }, 60_000);

  test('the periodic trim runs when the resident set grew, not before', async (ctx) => {
    if (!ADDON_EXPECTED) ctx.skip(SKIP_REASON);
    // A process of its own: the test runner's worker is too busy to keep its pages unused.
    const child = spawn(process.execPath, [join(FIXTURES, 'trim-periodic.mjs'), '150'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    const lines = (): Record<string, unknown>[] => jsonLines(out);
    try {
      await waitFor(() => lines().some((l) => l['reason'] === 'start-up'), 15_000, 'the start-up trim');
      // The first check takes the baseline; the next ones, with nothing new touched, do not trim.
      const checks = (): Record<string, unknown>[] => lines().filter((l) => l['msg'] === 'memory trim check');
      await waitFor(() => checks().length >= 4, 10_000, 'four periodic checks');
      expect(checks().slice(0, 4).map((c) => c['trim'])).toEqual([false, false, false, false]);
      expect(checks()[0]!['baselineKiB']).toEqual(expect.any(Number));
      expect(lines().filter((l) => l['reason'] === 'interval')).toEqual([]);
      child.stdin.write('grow\n');
      const grew = await waitForValue(() => lines().find((l) => l['grew'] !== undefined)?.['grew'] as { before: number; after: number } | undefined, 10_000, 'the growth');
      expect(grew.after).toBeGreaterThan(grew.before + TRIM_GROWTH_KIB);
      const periodic = await waitForValue(() => lines().find((l) => l['reason'] === 'interval'), 5_000, 'the periodic trim');
      expect(periodic['rssFileKiBAfter']).toBeLessThan(grew.after - TRIM_GROWTH_KIB);
      // Dropped pages read back the file's bytes: the formats still come out right.
      child.stdin.write('format\n');
      const format = await waitForValue(() => lines().find((l) => l['format'] !== undefined)?.['format'], 5_000, 'the format');
      expect(format).toBe('1.234,50\u00a0€');
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    }
  }, 30_000);

  test('in a process: the code keeps running the same after its pages are dropped', (ctx) => {
    if (!ADDON_EXPECTED) ctx.skip(SKIP_REASON);
    const addon = loadTrimAddon();
    if (typeof addon === 'string') throw new Error(addon);
    const sum = (n: number): number => { let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s; };
    const want = [sum(100_000), JSON.stringify({ a: [1, 'x'] }), 'é'.normalize('NFD').length];
    const r = trimOnce(addon);
    expect(r.errno).toBe(0);
    expect(r.mappings).toBeGreaterThan(0);
    expect([sum(100_000), JSON.stringify({ a: [1, 'x'] }), 'é'.normalize('NFD').length]).toEqual(want);
    expect(() => addon.drop(new Float64Array(3))).toThrow(/pairs/);
    // Nothing is dropped unless every start and length is a page-aligned integer.
    for (const bad of [[NaN, 4096], [-4096, 4096], [4096.5, 4096], [4097, 4096], [4096, 2 ** 60]]) {
      expect(() => addon.drop(Float64Array.from(bad)), String(bad)).toThrow(/page-aligned/);
    }
  });

  test('without the addon: one line, and the agent does without', async () => {
    const { log, lines } = captureLog();
    const trimmer = startMemoryTrim({ log, intervalMs: () => 150, addonPath: '/nonexistent/hostds-trim.node' });
    try {
      await waitFor(() => lines().length > 0, 15_000, 'a log line');
      expect(lines()).toMatchObject([{ level: 30, msg: expect.stringContaining('memory trim unavailable') as unknown, reason: expect.stringContaining('/nonexistent/hostds-trim.node') as unknown }]);
      expect(trimmer.trim('again')).toBe(false);
    } finally {
      trimmer.stop();
    }
  });
});
