// `hostds agent`: runs in the foreground until SIGTERM or SIGINT. Daemons keep running when it
// exits (like the kubelet) unless --stop-daemons-on-exit or config `onExit: stop`.
import type { Context } from '../context.js';
import { createLogger, type Logger } from '../../observe/logger.js';
import { CliError } from '../errors.js';

/** What bin/code-cache.cjs leaves for the agent when the cache is the agent's to write (the .deb). */
interface CodeCacheHandle { file: string; stale(): boolean; write(): void }

/** After start-up, when long enough for its code to have been compiled. */
const CODE_CACHE_DELAY_MS = 10_000;

/**
 * Rewrites the code cache (docs/code-cache.md) when this start found it missing or stale: after
 * the first install, an upgrade of hostds or of node. Once, after start-up, off the critical path.
 */
function refreshCodeCache(log: Logger, written: () => void): void {
  const handle = (globalThis as Record<symbol, unknown>)[Symbol.for('hostds.codeCache')] as CodeCacheHandle | undefined;
  if (handle === undefined || !handle.stale()) return;
  setTimeout(() => {
    try {
      const t0 = performance.now();
      handle.write();
      log.info({ file: handle.file, ms: Math.round(performance.now() - t0) }, 'code cache written: later starts compile less');
    } catch (err) {
      log.warn({ file: handle.file, err: (err as Error).message }, 'cannot write the code cache; starts stay slower');
      return;
    }
    written();
  }, CODE_CACHE_DELAY_MS).unref();
}

export async function runAgent(ctx: Context, opts: { stopDaemonsOnExit?: boolean }): Promise<number> {
  const [{ Agent }, { createSpawnRunner }] = await Promise.all([import('../../agent/agent.js'), import('../../supervise/runner-spawn.js')]);
  const log = await createLogger();
  // One failed effect must not take down the agent and, with it, supervision of every daemon.
  process.on('unhandledRejection', (err) => log.error({ err: err instanceof Error ? err.stack : String(err) }, 'unhandled error (the agent keeps running)'));
  if (!ctx.config.strictModes && process.geteuid?.() === 0) {
    log.warn('strictModes is off: manifests and node.yaml that other users can change are acted on as root');
  }
  for (const i of ctx.configIssues) log.warn({ file: i.file, line: i.line, col: i.col }, `config: ${i.path ? `${i.path}: ` : ''}${i.message}`);
  let runner: ReturnType<typeof createSpawnRunner>;
  try {
    runner = createSpawnRunner();
  } catch (err) {
    // HOSTDS_SPAWNER set to something else, or 'helper' without the binary: the operator's setting.
    throw new CliError(`${(err as Error).message} (docs/spawner.md)`);
  }
  const agent = new Agent(ctx, {
    stopDaemonsOnExit: opts.stopDaemonsOnExit === true || ctx.config.onExit === 'stop',
    runner,
    log,
  });
  // Handlers first, and for the whole life of the agent: a SIGTERM during start-up (systemd
  // stopping a unit that is still starting, Ctrl-C on `npm start`) would otherwise kill the agent
  // with its default action, leaving the daemons it had started running even with
  // --stop-daemons-on-exit. Start-up completes, then the shutdown follows at once. A second signal
  // (Ctrl-C reaches both `npm start` and the agent; an impatient operator presses it twice) must
  // not kill the agent halfway through stopping its daemons.
  let stopping = false;
  let started = false;
  const signal = new Promise<string>((resolve) => {
    for (const s of ['SIGTERM', 'SIGINT'] as const) {
      process.on(s, () => {
        if (stopping) { log.warn({ signal: s }, 'already stopping; the daemons are being stopped'); return; }
        stopping = true;
        if (!started) log.info({ signal: s }, 'signal during start-up; stopping once started');
        resolve(s);
      });
    }
  });
  // SIGHUP re-reads everything, host facts included (a systemd ExecReload); it never stops the
  // daemons. Its default action would kill a starting agent; one during start-up is done after it.
  let reloadPending = false;
  process.on('SIGHUP', () => {
    if (started) void agent.reload();
    else reloadPending = true;
  });
  try {
    await agent.start();
  } catch (err) {
    // A failed start exits with its error: a signal must not be swallowed by handlers left behind.
    for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.removeAllListeners(s);
    throw err;
  }
  started = true;
  if (reloadPending && !stopping) void agent.reload();
  // Start-up is done: the pages it alone needed can go (docs/memory-trim.md).
  const trimmer = await import('../../agent/memory-trim.js')
    .then(({ startMemoryTrim }) => startMemoryTrim({ log, intervalMs: () => ctx.config.memoryTrimIntervalMs }))
    .catch((err: unknown) => {
      log.warn({ err: (err as Error).message }, 'memory trim not started; the agent keeps its start-up pages');
      return undefined;
    });
  // Writing the cache compiles every chunk: those pages are start-up pages too.
  refreshCodeCache(log, () => trimmer?.trim('code cache written'));
  try {
    const received = await signal;
    trimmer?.stop();
    await agent.shutdown(received);
    log.info('agent stopped');
    return 0;
  } catch (err) {
    log.error({ err: (err as Error).stack }, 'shutdown failed');
    return 1;
  }
}
