#!/usr/bin/env node
// Trains the bundle's code cache (docs/code-cache.md), run by `npm run build` after the bundle and
// the helper (the .deb ships none: its agent writes its own). An agent starts two DaemonSets on a
// scratch root, one of which exits once and is restarted; the CLI asks it for pods, describes the
// DaemonSets, validates a manifest and, once the agent has stopped, reads the state from disk. Each
// of these processes writes the bytecode V8 compiled by its exit; per chunk, the largest is kept in
// dist/bundle/code-cache.bin.
//
// The cache only saves time, so a failed training leaves none and says why, and the build goes on;
// `--strict` (and CI=true, as for the helper) makes it an error.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({ options: { strict: { type: 'boolean', default: process.env.CI === 'true' } } });
const launcher = fileURLToPath(new URL('../bin/hostds', import.meta.url));
const bundleDir = join(dirname(launcher), '../dist/bundle');
const { readCache, writeCache } = createRequire(import.meta.url)(join(dirname(launcher), 'code-cache.cjs'));

const DS = (name, extra = '', command = '[/bin/sleep, "30"]') => `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ${name}, namespace: train, labels: {app: ${name}}}
spec:
  selector: {matchLabels: {app: ${name}}}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: main
        image: none
        command: ${command}
        env: [{name: MODE, value: train}]
        resources: {limits: {memory: 64Mi}}
${extra}`;
const PROBE = `        readinessProbe: {exec: {command: [/bin/true]}, periodSeconds: 1}\n`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs the launcher with the cache written to `out` at exit; resolves with its exit code and output. */
function hostds(root, args, out, { stdoutToLog = false } = {}) {
  const log = openSync(join(root, `${args[0]}.log`), 'a');
  try {
    const child = spawn(process.execPath, [launcher, '--root', root, '--node-name', 'train', ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, LANG: 'C.UTF-8', NO_COLOR: '1', HOSTDS_CODE_CACHE_OUT: out },
      stdio: ['ignore', stdoutToLog ? log : 'pipe', log],
    });
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (d) => { stdout += d; });
    const done = new Promise((res, rej) => { child.on('error', rej); child.on('close', (code, signal) => res({ code: code ?? signal, stdout })); });
    return { child, done };
  } finally { closeSync(log); }
}

async function cli(root, args, out) {
  const r = await hostds(root, args, out).done;
  if (r.code !== 0) throw new Error(`hostds ${args.join(' ')} exited ${r.code}: ${readFileSync(join(root, `${args[0]}.log`), 'utf8').trim().slice(-400)}`);
  return r.stdout;
}

async function train(root) {
  const etc = join(root, 'etc/hostds');
  mkdirSync(join(etc, 'manifests.d'), { recursive: true });
  writeFileSync(join(etc, 'config.yaml'), 'restartBackoff: {initial: 0s}\n');
  writeFileSync(join(etc, 'manifests.d/a.yaml'), DS('a', PROBE));
  // b exits at its first start: the restart path (exit, restart policy, the log moved aside) is
  // trained too, or the first restart after a start compiles it, 5-10 ms slower than the rest.
  // A script, not `sh -c '…'`: the manifest stays one the fast YAML path reads, as most are.
  const ran = join(root, 'b-ran');
  writeFileSync(join(root, 'crash-once.sh'), `test -e ${ran} || { : > ${ran}; exit 3; }\nexec /bin/sleep 30\n`);
  writeFileSync(join(etc, 'manifests.d/b.yaml'), DS('b', '', `[/bin/sh, ${join(root, 'crash-once.sh')}]`));
  const outs = [];
  const out = (name) => { const f = join(root, `${name}.cache`); outs.push(f); return f; };
  const agent = hostds(root, ['agent', '--stop-daemons-on-exit'], out('agent'), { stdoutToLog: true });
  try {
    const until = Date.now() + 20_000;
    for (;;) {
      const pods = await hostds(root, ['get', 'pods', '-A', '--no-headers'], out(`get-${outs.length}`)).done;
      if (pods.code === 0 && (pods.stdout.match(/\b1\/1\s+Running\b/g) ?? []).length === 2 && /\bb-\S+\s+1\/1\s+Running\s+1\b/.test(pods.stdout)) break;
      if (agent.child.exitCode !== null) throw new Error(`the agent exited ${agent.child.exitCode}: ${readFileSync(join(root, 'agent.log'), 'utf8').trim().slice(-400)}`);
      if (Date.now() > until) throw new Error('the training DaemonSets were not running after 20 s');
      await sleep(200);
    }
    await cli(root, ['describe', 'ds', '-n', 'train'], out('describe'));
    await cli(root, ['validate', '-f', join(etc, 'manifests.d/a.yaml')], out('validate'));
  } finally {
    if (agent.child.exitCode === null) agent.child.kill('SIGTERM');
    let timer;
    const stopped = await Promise.race([agent.done.then(() => true), new Promise((r) => { timer = setTimeout(r, 15_000, false); })]);
    clearTimeout(timer);
    if (!stopped) { agent.child.kill('SIGKILL'); await agent.done; throw new Error('the training agent did not stop within 15 s'); }
  }
  await cli(root, ['get', 'ds', '-A', '-o', 'wide'], out('get-offline'));

  const best = new Map();
  for (const file of outs) {
    for (const [name, entry] of readCache(file) ?? []) {
      if ((best.get(name)?.data.length ?? 0) < entry.data.length) best.set(name, entry);
    }
  }
  if (!best.has('hostds.cjs') || !best.has('agent-get.cjs')) throw new Error(`the training runs wrote no cache for the entry chunks (${[...best.keys()].join(', ') || 'none'})`);
  writeCache(join(bundleDir, 'code-cache.bin'), best);
  return best;
}

const root = mkdtempSync(join(tmpdir(), 'hostds-train-'));
try {
  rmSync(join(bundleDir, 'code-cache.bin'), { force: true });
  const best = await train(root);
  const kib = Math.round([...best.values()].reduce((s, e) => s + e.data.length, 0) / 1024);
  process.stdout.write(`code cache: ${best.size} chunks, ${kib} KiB (dist/bundle/code-cache.bin)\n`);
} catch (err) {
  process.stderr.write(`${opt.strict ? 'error' : 'warning'}: no code cache, hostds will compile its bundle at each start: ${err.message}\n`);
  process.exitCode = opt.strict ? 1 : 0;
} finally {
  rmSync(root, { recursive: true, force: true });
}
