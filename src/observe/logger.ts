// The agent's own log: one JSON object per line on stdout (journald reads it), in pino's shape
// (`{"level":30,"time":…,<fields>,"msg":…}`, numeric levels), pretty when a person watches.
// Why not pino itself: loading it and the modules it brings (thread-stream, worker_threads,
// assert, sonic-boom) cost the agent 25-35 ms of its start and ~8 ms per 300 lines, for one
// sink and five calls (docs/benchmarks.md). Lines are written synchronously, as pino's default
// destination does: a line logged before a crash is never lost, and memory stays bounded.
import { writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { CliError } from '../cli/errors.js';

type Fields = Record<string, unknown>;
export interface LogFn {
  (fields: Fields, msg?: string): void;
  (msg: string): void;
}
export interface Logger {
  readonly level: string;
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
}
/** Where lines go: each call is one complete line, newline included. */
export interface LogSink {
  write(line: string): void;
}

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
type LevelName = keyof typeof LEVELS;
const NAMES = Object.keys(LEVELS) as LevelName[];

export async function createLogger(opts: { level?: string; pretty?: boolean; destination?: LogSink } = {}): Promise<Logger> {
  const level = opts.level ?? (process.env['HOSTDS_LOG_LEVEL'] || 'info');
  if (level !== 'silent' && !Object.hasOwn(LEVELS, level)) {
    throw new CliError(`HOSTDS_LOG_LEVEL must be one of ${[...NAMES, 'silent'].join(', ')}, got ${JSON.stringify(level)}`);
  }
  let sink = opts.destination;
  // isatty, not process.stdout.isTTY: creating process.stdout would make a piped fd 1 non-blocking.
  if (sink === undefined && (opts.pretty ?? isatty(1))) {
    const { default: pinoPretty } = await import('pino-pretty');
    const pretty = pinoPretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true });
    sink = { write: (line) => void pretty.write(line) };
  }
  return jsonLogger(level as LevelName | 'silent', sink ?? { write: writeStdout });
}

export function jsonLogger(level: LevelName | 'silent', sink: LogSink): Logger {
  const min = level === 'silent' ? Infinity : LEVELS[level];
  const fn = (value: number): LogFn => (value < min ? () => undefined : (a: Fields | string, msg?: string) => {
    const fields = typeof a === 'string' ? undefined : a;
    const text = typeof a === 'string' ? a : msg;
    sink.write(`{"level":${value},"time":${Date.now()}${fields === undefined ? '' : fieldsJson(fields)}${text === undefined ? '' : `,"msg":${JSON.stringify(text)}`}}\n`);
  }) as LogFn;
  return { level, trace: fn(10), debug: fn(20), info: fn(30), warn: fn(40), error: fn(50), fatal: fn(60) };
}

/** `,"k":v…` for the fields; an Error becomes what pino's serializer prints, a cycle a marker. */
function fieldsJson(fields: Fields): string {
  let out = '';
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (value === undefined) continue;
    let json: string;
    try {
      json = JSON.stringify(value, replacer);
    } catch {
      json = '"[unserializable]"';
    }
    out += `,${JSON.stringify(key)}:${json}`;
  }
  return out;
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { type: value.name, message: value.message, stack: value.stack };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * All of `line` to fd 1. A full pipe (EAGAIN, when a reader made it non-blocking) is waited out
 * a millisecond at a time; a reader gone (EPIPE) drops the line rather than the agent.
 */
function writeStdout(line: string): void {
  const buf = Buffer.from(line);
  for (let off = 0; off < buf.length;) {
    try {
      off += writeSync(1, buf, off);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') { Atomics.wait(pause, 0, 0, 1); continue; }
      return; // EPIPE, EBADF (stdout closed): nowhere to log to
    }
  }
}
