// The agent's JSON log lines against pino's, call for call (pino is a devDependency for this):
// operators' log pipelines parse the shape pino wrote before hostds had its own logger.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { createLogger, jsonLogger, type Logger } from '../../../src/observe/logger.js';

type Call = [method: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', ...args: unknown[]];

function ours(level: string, calls: Call[]): string[] {
  const lines: string[] = [];
  const log = jsonLogger(level as 'info', { write: (l) => lines.push(l) });
  for (const [m, ...args] of calls) (log[m] as (...a: unknown[]) => void)(...args);
  return lines;
}

function pinos(level: string, calls: Call[]): string[] {
  const lines: string[] = [];
  const dest = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  const log = pino({ level, base: undefined }, dest);
  for (const [m, ...args] of calls) (log[m] as (...a: unknown[]) => void)(...args);
  return lines;
}

/** The time field differs by when each ran: compared apart, as a number near now. */
const timeless = (lines: string[]): unknown[] => lines.map((l) => {
  const o = JSON.parse(l) as Record<string, unknown>;
  expect(Math.abs(Number(o['time']) - Date.now())).toBeLessThan(60_000);
  delete o['time'];
  return { keys: Object.keys(o), o };
});

describe('jsonLogger', () => {
  const calls: Call[] = [
    ['info', 'agent ready'],
    ['info', { node: 'h1', pods: 3 }, 'recovered daemons'],
    ['warn', { file: '/etc/hostds/config.yaml', line: 2, col: 3 }, 'config: "quoted" \\ and\nnewline'],
    ['error', { err: 'boom', nested: { a: [1, 'x', null] } }, 'shutdown failed'],
    ['debug', { why: 'resync', ms: 4 }, 'reconciled'],
    ['trace', 'very detailed'],
    ['warn', { only: 'fields' }],
    ['info', { skipped: undefined, kept: true }, 'undefined fields are left out'],
    ['fatal', 'the end'],
  ];
  test.each(['trace', 'debug', 'info', 'warn', 'error', 'silent'])('level %s: the same lines as pino, in the same key order', (level) => {
    expect(timeless(ours(level, calls))).toEqual(timeless(pinos(level, calls)));
  });

  test('an Error field is serialised as pino does (type, message, stack); a cycle does not throw', () => {
    const err = new TypeError('bad thing');
    const [line] = ours('info', [['error', { err }, 'failed']]);
    expect(JSON.parse(line!)).toMatchObject({ level: 50, err: { type: 'TypeError', message: 'bad thing', stack: err.stack }, msg: 'failed' });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    const [c] = ours('info', [['info', { cyclic, n: 2 }, 'still logged']]);
    expect(JSON.parse(c!)).toMatchObject({ cyclic: '[unserializable]', n: 2, msg: 'still logged' });
  });

  test('every line is one complete line', () => {
    for (const l of ours('trace', calls)) expect(l).toMatch(/^\{[^\n]*\}\n$/);
  });
});

describe('createLogger', () => {
  test('HOSTDS_LOG_LEVEL picks the level; an unknown one is a clear error, not a crash', async () => {
    const lines: string[] = [];
    const log: Logger = await createLogger({ level: 'warn', destination: { write: (l) => lines.push(l) } });
    log.info('hidden');
    log.warn('shown');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['shown']);
    for (const bad of ['verbose', 'toString', '']) {
      await expect(createLogger({ level: bad, destination: { write: () => undefined } }), bad).rejects.toThrow(/HOSTDS_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "/);
    }
  });
});
