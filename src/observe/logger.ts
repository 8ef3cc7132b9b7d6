// The agent's own log: pino JSON on stdout (journald reads it), pretty when a person watches.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

export async function createLogger(opts: { level?: string; pretty?: boolean; destination?: DestinationStream } = {}): Promise<Logger> {
  const level = opts.level ?? process.env['HOSTDS_LOG_LEVEL'] ?? 'info';
  if (opts.destination) return pino({ level, base: undefined }, opts.destination);
  const pretty = opts.pretty ?? (process.stdout.isTTY === true);
  if (pretty) {
    const { default: pinoPretty } = await import('pino-pretty');
    return pino({ level, base: undefined }, pinoPretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
  }
  return pino({ level, base: undefined });
}
