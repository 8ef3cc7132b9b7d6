// `hostds logs POD|ds/NAME [-c C] [-f] [--tail N] [--previous]`: reads the container's log file
// directly, so logs are there with or without a running agent.
import type { Context } from '../context.js';
import { loadHostView } from '../view.js';
import { CliError, notFound } from '../errors.js';
import { promises as fsp } from 'node:fs';
import { containerLogPath, followLog, previousLogPath, readLog, tailLines } from '../../observe/log-files.js';
import { readStamped, stampNow } from '../../observe/log-times.js';
import { resolveResource, splitTypeName } from '../resources.js';

interface LogsOptions {
  container?: string;
  follow?: boolean;
  tail?: number;
  previous?: boolean;
  timestamps?: boolean;
  namespace?: string;
}

export async function runLogs(ctx: Context, target: string, o: LogsOptions): Promise<number> {
  if (o.tail !== undefined && (!Number.isInteger(o.tail) || o.tail < -1)) throw new CliError('--tail must be a whole number');
  const ns = o.namespace ?? 'default';
  const view = await loadHostView(ctx);
  const [word, name] = splitTypeName(target);
  let pod;
  if (name !== undefined && resolveResource(word) === 'daemonsets') {
    pod = view.pods.filter((p) => p.daemonSet.name === name && p.namespace === ns && p.uid !== '' && !p.deletionTimestamp)[0];
    if (!pod) throw new CliError(`daemonset ${ns}/${name} has no pod on this host`);
  } else {
    const podName = name !== undefined && resolveResource(word) === 'pods' ? name : target;
    pod = view.pods.find((p) => p.name === podName && p.namespace === ns && p.uid !== '');
    if (!pod) throw notFound('pods', podName);
  }
  const names = [...pod.initContainers, ...pod.containers].map((c) => c.name);
  let container = o.container;
  if (container === undefined) {
    container = pod.containers[0]?.name ?? '';
    if (pod.containers.length > 1) ctx.io.err(`Defaulted container "${container}" out of: ${pod.containers.map((c) => c.name).join(', ')}\n`);
  } else if (!names.includes(container)) {
    throw new CliError(`container ${container} is not valid for pod ${pod.name}`);
  }
  const path = containerLogPath(ctx.paths.logDir, pod.name, container);
  if (o.previous && !(await fsp.access(previousLogPath(path)).then(() => true, () => false))) {
    throw new CliError(`previous terminated container "${container}" in pod "${pod.name}" not found`);
  }
  const file = o.previous ? previousLogPath(path) : path;
  const read = o.timestamps
    ? readStamped(file, ctx.now).then((t) => (o.tail !== undefined && o.tail >= 0 ? tailLines(t, o.tail) : t))
    : readLog(path, { ...(o.tail !== undefined && o.tail >= 0 ? { tail: o.tail } : {}), previous: o.previous === true });
  const text = await read.catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      if (o.previous) throw new CliError(`previous terminated container "${container}" in pod "${pod.name}" not found`);
      return '';
    }
    throw err;
  });
  ctx.io.out(text);
  if (!o.follow || o.previous) return 0;
  const abort = new AbortController();
  for (const s of ['SIGINT', 'SIGTERM', 'SIGPIPE'] as const) process.once(s, () => abort.abort());
  process.stdout.once('error', () => abort.abort());
  const atLineStart = { value: text === '' || text.endsWith('\n') };
  await followLog(path, (chunk) => ctx.io.out(o.timestamps ? stampNow(chunk, Date.now(), atLineStart) : chunk), abort.signal);
  return 0;
}
