// `hostds agent`: runs in the foreground until SIGTERM or SIGINT. Daemons keep running when it
// exits (like the kubelet) unless --stop-daemons-on-exit or config `onExit: stop`.
import v8 from 'node:v8';
import type { Context } from '../context.js';
import { createLogger } from '../../observe/logger.js';
import { CliError } from '../errors.js';

export async function runAgent(ctx: Context, opts: { stopDaemonsOnExit?: boolean }): Promise<number> {
  // A long-running agent allocates in small bursts: V8 would grow its young generation to 32 MiB
  // after the start-up parse and keep it. Held at its initial size it costs a few more minor GCs and
  // saves ~15-25 MiB of RSS, and every fork of the agent (one per daemon started) copies less.
  // optimize-for-size grows the old generation in smaller steps: in a restart storm RSS stays
  // ~4 MiB lower, at no measurable CPU cost per restart (docs/benchmarks.md).
  // No TurboFan: the agent waits on processes and files, it has no hot loop worth optimising.
  // On 2 cores its compile jobs competed with the start-up they were meant to speed up (100
  // daemons started ~10% sooner without them), and its code, its zones and the compiler's own
  // pages of the node binary cost 5-9 MiB of RSS, most of the growth in a restart storm.
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  v8.setFlagsFromString('--optimize-for-size');
  v8.setFlagsFromString('--no-turbofan');
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
  try {
    await agent.shutdown(await signal);
    log.info('agent stopped');
    return 0;
  } catch (err) {
    log.error({ err: (err as Error).stack }, 'shutdown failed');
    return 1;
  }
}
