// Composition root: parses the command line, builds the context, runs one command, and turns
// any error into one line on stderr and an exit code. Only this file decides how the process ends.
import { Command, CommanderError } from 'commander';
import { buildContext, type Context, type GlobalOptions, type Io } from './cli/context.js';
import { CliError, isUserError } from './cli/errors.js';
import { formatCliError } from './lib/errors.js';
import { hostdsVersion } from './version.js';

const stdio: Io = {
  out: (s) => void process.stdout.write(s),
  err: (s) => void process.stderr.write(s),
};

type Handler = (ctx: Context) => Promise<number>;
type Run = (h: Handler, opts?: { lenientConfig?: boolean }) => Promise<void>;

let exitNow = false;

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  let exit = 0;
  const program = buildProgram(io, async (handler, runOpts) => {
    const opts = program.opts<GlobalOptions>();
    try {
      exit = await handler(await buildContext(opts, io, process.env, runOpts?.lenientConfig === true));
    } catch (err) {
      exit = err instanceof CliError ? err.exitCode : 1;
      if (isUserError(err)) io.err(formatCliError(err) + '\n');
      else {
        io.err(`error: ${(err as Error)?.message ?? String(err)}\n`);
        io.err(opts.debug ? `${(err as Error)?.stack}\n` : 'hostds: this is a bug; run again with --debug for the stack trace\n');
      }
    }
  });
  try {
    await program.parseAsync(normalizeArgv(argv), { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : err.exitCode || 1;
    throw err;
  }
  if (exitNow) process.exit(exit);
  return exit;
}

const BOOLEAN_FLAGS = ['--overwrite', '--show-labels', '--no-headers', '--all-namespaces', '--all', '--debug'];

/** kubectl (pflag) habits commander does not know: `-o=wide`, `-n=ns`, `--overwrite=true|false`. */
export function normalizeArgv(argv: string[]): string[] {
  const out: string[] = [];
  for (const arg of argv) {
    const short = /^-([a-zA-Z])=(.*)$/s.exec(arg);
    const bool = /^(--[a-z-]+)=(true|false)$/.exec(arg);
    if (short) out.push(`-${short[1]}`, short[2]!);
    else if (bool && BOOLEAN_FLAGS.includes(bool[1]!)) { if (bool[2] === 'true') out.push(bool[1]!); }
    else out.push(arg);
  }
  return out;
}

function buildProgram(io: Io, run: Run): Command {
  const program = new Command('hostds')
    .description('Kubernetes DaemonSets for hosts without Kubernetes')
    .option('--root <dir>', 'prefix for every path hostds uses (env HOSTDS_ROOT)')
    .option('--node-name <name>', "this host's node name (default: config nodeName, else the hostname)")
    .option('--config <file>', 'config file (default: ROOT/etc/hostds/config.yaml)')
    .option('-o, --output <format>', 'output format: wide|json|yaml|name')
    .option('--debug', 'show stack traces of internal errors')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (s, write) => write(s.startsWith('error:') ? s : `error: ${s}`) })
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);

  const lazy = <M>(load: () => Promise<M>, pick: (m: M, ctx: Context) => Promise<number>): Handler =>
    async (ctx) => pick(await load(), ctx);

  program.command('version').description('print the hostds version')
    .action(() => run(async (ctx) => {
      ctx.io.out(ctx.output === 'json' ? JSON.stringify({ version: hostdsVersion() }) + '\n' : `hostds v${hostdsVersion()}\n`);
      return 0;
    }));

  program.command('kubeconfig').description('print a kubeconfig for this host\'s Kubernetes API (api.address), for kubectl --kubeconfig FILE')
    .action(() => run(lazy(() => import('./cli/commands/kubeconfig.js'), (m, ctx) => m.runKubeconfig(ctx))));

  program.command('agent').description('run the agent in the foreground: start, supervise and stop the daemons on this host')
    .option('--stop-daemons-on-exit', 'stop every daemon gracefully when the agent exits (default: leave them running)')
    .action(async (o: { stopDaemonsOnExit?: boolean }) => {
      await run(lazy(() => import('./cli/commands/agent.js'), (m, ctx) => m.runAgent(ctx, o)));
      // The agent is done when shutdown is: pollers of adopted daemons and the like must not keep it alive.
      exitNow = true;
    });

  program.command('logs').description('print the logs of a pod container: logs POD|ds/NAME [-c C] [-f] [--tail N] [--previous]')
    .argument('<target>')
    .option('-c, --container <name>', 'container name (default: the first)')
    .option('-f, --follow', 'keep printing new output')
    .option('--tail <n>', 'only the last N lines', (v: string) => Number.parseInt(v, 10))
    .option('-p, --previous', 'the previous run of the container')
    .option('--timestamps', 'prefix each line with the time it was written (RFC 3339), as the agent recorded it')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .action((target: string, o: Record<string, unknown>) => run(lazy(() => import('./cli/commands/logs.js'), (m, ctx) => m.runLogs(ctx, target, o))));

  program.command('get').description('show daemonsets (ds) or this node (nodes), like kubectl get')
    .argument('<resource>').argument('[names...]')
    .option('-l, --selector <selector>', 'label selector, e.g. app=ssd-monitor')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('--show-labels', 'add a LABELS column')
    .option('--no-headers', 'print tables without their header line')
    .action((resource: string, names: string[], o: Record<string, unknown>) => run(lazy(() => import('./cli/commands/get.js'),
      (m, ctx) => m.runGet(ctx, [resource, ...names], o))));

  program.command('describe').description('show details of daemonsets or this node')
    .argument('<resource>').argument('[names...]')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .action((resource: string, names: string[], o: { namespace?: string }) => run(lazy(() => import('./cli/commands/describe.js'),
      (m, ctx) => m.runDescribe(ctx, [resource, ...names], o.namespace))));

  program.command('why').description('explain, rule by rule, whether a daemonset runs on this host and how to change it')
    .argument('<resource>').argument('[name]')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .action((resource: string, name: string | undefined, o: { namespace?: string }) => run(lazy(() => import('./cli/commands/why.js'),
      (m, ctx) => m.runWhy(ctx, name === undefined ? [resource] : [resource, name], o.namespace))));

  program.command('validate').description('check manifests: every error as file:line:col: path: message')
    .option('-f, --filename <path...>', 'file or directory (default: ROOT manifests.d, node.yaml and config)')
    .action((o: { filename?: string[] }) => run(lazy(() => import('./cli/commands/validate.js'),
      (m, ctx) => m.runValidate(ctx, o.filename ?? [])), { lenientConfig: true }));

  for (const verb of ['create', 'apply'] as const) {
    program.command(verb).description(`${verb} daemonsets in ROOT manifests.d from a file or directory`)
      .requiredOption('-f, --filename <path...>', 'file or directory (- for standard input)')
      .action((o: { filename: string[] }) => run(lazy(() => import('./cli/commands/manifests.js'),
        (m, ctx) => (verb === 'create' ? m.runCreate(ctx, o.filename) : m.runApply(ctx, o.filename)))));
  }

  program.command('delete').description('delete daemonsets: delete ds NAME... | delete -f FILE')
    .argument('[args...]')
    .option('-f, --filename <path...>', 'file or directory naming the daemonsets (- for standard input)')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .option('--all', 'delete every daemonset in the namespace')
    .action((args: string[], o: { filename?: string[]; namespace?: string; all?: boolean }) => run(lazy(() => import('./cli/commands/manifests.js'),
      (m, ctx) => m.runDelete(ctx, args, o.filename ?? [], o))));

  program.command('rollout').description('manage the rollout of a daemonset: rollout status|history|undo|restart ds/NAME')
    .usage('status|history|undo|restart (ds/NAME | ds NAME) [-n NS] [--timeout D] [-w=false] [--revision N] [--to-revision N]')
    .argument('[args...]')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .option('--timeout <duration>', 'status: give up after this long, e.g. 5m (default 0: wait forever)')
    .option('--revision <n>', 'history: show the pod template of this revision')
    .option('--to-revision <n>', 'undo: the revision to roll back to (default: the previous one)')
    // -w/--watch[=bool] takes pflag's forms (`--watch=false`), which commander cannot: rollout.ts parses it.
    .allowUnknownOption()
    .action((args: string[], o: Record<string, string | undefined>) => run(lazy(() => import('./cli/commands/rollout.js'),
      (m, ctx) => m.runRollout(ctx, args, o))));

  program.command('label').description('update labels of this node: label node NAME k=v k2-')
    .argument('<args...>')
    .option('--overwrite', 'allow changing an existing label')
    .action((args: string[], o: { overwrite?: boolean }) => run(lazy(() => import('./cli/commands/node.js'),
      (m, ctx) => m.runLabel(ctx, args, o.overwrite === true))));

  program.command('taint').description('update taints of this node: taint node NAME k=v:Effect k:Effect- k-')
    .argument('<args...>')
    .option('--overwrite', 'allow replacing a taint with the same key and effect')
    .action((args: string[], o: { overwrite?: boolean }) => run(lazy(() => import('./cli/commands/node.js'),
      (m, ctx) => m.runTaint(ctx, args, o.overwrite === true))));

  for (const verb of ['cordon', 'uncordon'] as const) {
    program.command(verb).description(verb === 'cordon' ? 'mark this node unschedulable' : 'mark this node schedulable')
      .argument('<name>')
      .action((name: string) => run(lazy(() => import('./cli/commands/node.js'),
        (m, ctx) => m.runCordon(ctx, name, verb === 'cordon'))));
  }
  return program;
}
