#!/usr/bin/env node
// `npm start`: the article's scenario on this machine, in a demo root inside the checkout
// (.demo/, ignored by git). Starts the agent in the foreground; Ctrl-C stops it and its daemons.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostname } from 'node:os';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(repo, '.demo');
const examples = join(repo, 'examples');
if (!existsSync(join(root, 'etc/hostds'))) {
  mkdirSync(root, { recursive: true });
  cpSync(join(examples, 'root'), root, { recursive: true });
}
// The manifests name the packaged location of the example scripts; here they live in the checkout.
const dir = join(root, 'etc/hostds/manifests.d');
for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
  const p = join(dir, f);
  writeFileSync(p, readFileSync(p, 'utf8').replaceAll('/usr/share/hostds/examples', examples));
}
const node = hostname().toLowerCase();
const hostds = `${join(repo, 'bin/hostds')} --root ${root}`;
process.stdout.write([
  '',
  `hostds demo: agent on root ${root} (node ${node})`,
  'In another terminal, follow the article:',
  `  ${hostds} get ds -o wide                        # ssd-monitor: DESIRED 0`,
  `  ${hostds} why ds ssd-monitor`,
  `  ${hostds} label node ${node} k8s.51reboot.com/disk=ssd   # it starts`,
  `  ${hostds} get pods -o wide`,
  `  ${hostds} logs ds/ssd-monitor -f`,
  `  ${hostds} cordon ${node}                           # it keeps running`,
  'Ctrl-C stops the agent and its daemons (rm -rf .demo to start over).',
  '',
].join('\n') + '\n');
const child = spawn(process.execPath, [join(repo, 'bin/hostds'), '--root', root, 'agent', '--stop-daemons-on-exit'], { stdio: 'inherit' });
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));
child.on('exit', (code, signal) => { process.exitCode = code ?? (signal ? 0 : 1); });
