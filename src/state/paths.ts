// Every file hostds touches, under the root prefix P (DESIGN.md §1). Resolved once per command.
import { join, resolve } from 'node:path';

export interface Paths {
  root: string;
  etc: string;
  config: string;
  manifestsDir: string;
  nodeFile: string;
  stateDir: string;
  logDir: string;
  runDir: string;
  socket: string;
  /** GET only, mode 0660 for config's api.readOnlyGroup; absent unless that is set. */
  readOnlySocket: string;
  agentPidFile: string;
}

export function resolvePaths(root: string | undefined, configOverride?: string): Paths {
  const r = root ? resolve(root) : '/';
  const etc = join(r, 'etc/hostds');
  const runDir = join(r, 'run/hostds');
  return Object.freeze({
    root: r,
    etc,
    config: configOverride ? resolve(configOverride) : join(etc, 'config.yaml'),
    manifestsDir: join(etc, 'manifests.d'),
    nodeFile: join(etc, 'node.yaml'),
    stateDir: join(r, 'var/lib/hostds'),
    logDir: join(r, 'var/log/hostds'),
    runDir,
    socket: join(runDir, 'hostds.sock'),
    readOnlySocket: join(runDir, 'hostds-ro.sock'),
    agentPidFile: join(runDir, 'agent.pid'),
  });
}
