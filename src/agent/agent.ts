// `hostds agent`: the effect shell around the pure core. It watches manifests.d, node.yaml and
// the config; on every change (and a periodic resync) it computes the desired pods, plans, and
// has the supervisor carry the plan out. State is persisted atomically after every change, so a
// restarted agent adopts its daemons instead of starting them twice.
import { promises as fsp, watch as watchDir, type FSWatcher } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import type { Context } from '../cli/context.js';
import type { Logger } from '../observe/logger.js';
import { systemClock, type Clock, type Timer } from '../lib/clock.js';
import { isManifestName, loadManifestDir, listManifestFiles, type LoadResult, type ManifestCache } from '../manifest/load.js';
import type { ManifestIssue } from '../manifest/issues.js';
import { buildLiveView, loadNode, type LiveSnapshot } from '../cli/view.js';
import { readHostFacts } from '../host/facts.js';
import { NodeStatusTracker, nodefsPathsFor } from '../host/node-status.js';
import { configRefusal } from '../cli/context.js';
import { setStrictModes } from '../state/trust.js';
import type { NodeCondition } from '../host/conditions.js';
import { decidePlacement } from '../schedule/decide.js';
import { computePlan, keyOfPod } from '../reconcile/plan.js';
import { restartOnChangePaths, revisionHash, templateHashOf } from '../pods/revision.js';
import { digestFiles } from '../host/file-digests.js';
import { CHANGE_CAUSE_ANNOTATION, DEFAULT_REVISION_HISTORY_LIMIT, recordRevision, updateManyRevisions, type Revision } from '../state/revisions.js';
import { recordEvent, type HostdsEvent } from '../observe/events.js';
import { applyJournal, DeletionJournal, emptyState, journalPath, loadState, saveState, type AgentState, type LastGood } from '../state/store.js';
import { readRegistry, registryKey, updateRegistry, type Registry } from '../state/object-registry.js';
import type { DaemonSet, NodeView } from '../manifest/types.js';
import type { PodRecord } from '../pods/types.js';
import type { MarkedProcess, ProcessRunner } from '../supervise/runner.js';
import { Supervisor } from '../supervise/supervisor.js';
import { CgroupManager } from '../supervise/cgroups.js';
import { ProbeManager } from '../probes/manager.js';
import { dropIfNeeded, rotateIfNeeded, containerLogPath, parseQuantity } from '../observe/log-files.js';
import { computeEffective, sameEffective } from './desired.js';
import { LogTimeRecorder } from '../observe/log-times.js';
import { adoptProcesses } from './adopt.js';
import { buildPod, dsKey, podNameFor } from './pod-factory.js';
import { acquirePidFile, releasePidFile } from './pid-file.js';
import type { ApiServer } from '../api/server.js';
import type { MetricsEndpoint } from '../observe/metrics.js';
import { CliError } from '../cli/errors.js';
import { isoSeconds as iso } from '../lib/iso-time.js';

export interface AgentOptions {
  stopDaemonsOnExit: boolean;
  runner: ProcessRunner;
  log: Logger;
  clock?: Clock;
  resyncMs?: number;
}

const DEFAULT_GRACE_S = 30;
/** The kubelet never gives a container less than this to stop (minimumGracePeriodInSeconds). */
const MIN_GRACE_S = 2;
/**
 * How long a file-caused stop waits for its second look. Saves by rename or truncate-and-write
 * leave the file torn for well under a millisecond to a few; 50 ms covers that with margin and
 * keeps label removed → daemon stopped within Kubernetes' p50 of 100 ms (bench/hostds-only.mjs).
 */
const CONFIRM_MS = 50;
/** A log is copied aside at most this often; beyond that a flood is dropped (rotateLog). */
const LOG_COPY_GAP_MS = 1000;
const SAVE_DEBOUNCE_MS = 20;
const SAVE_DEBOUNCE_PER_POD_MS = 0.2;
const SAVE_MIN_GAP_MS = 100;
/** Each save serialises and fsyncs the whole state, ~0.05 ms per pod: the gap grows with it (~300 ms at 500 pods). */
const SAVE_GAP_PER_POD_MS = 0.5;
const SAVE_MAX_GAP_MS = 1000;

function graceMs(pod: PodRecord): number {
  return Math.max(MIN_GRACE_S, pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_S) * 1000;
}


export class Agent {
  private state: AgentState = emptyState();
  private supervisor!: Supervisor;
  private readonly clock: Clock;
  private node: NodeView | undefined;
  private reconciling = false;
  private again = false;
  private saveTimer: Timer | undefined;
  private timers: NodeJS.Timeout[] = [];
  private watcher: { close(): Promise<void>; add(paths: string | readonly string[]): unknown } | undefined;
  /** Host files named by restart-on-change annotations: watched like the manifests. */
  private readonly configFiles = new Set<string>();
  private api: ApiServer | undefined;
  private readOnlyApi: ApiServer | undefined;
  private metrics: MetricsEndpoint | undefined;
  private tcpApi: ApiServer | undefined;
  private readonly stopping = new Set<string>();
  private reportedErrors = new Map<string, string>();
  private configError: string | undefined;
  /** The config text and trust verdict last acted on. */
  private configSeen: string | undefined;
  private lastSaveAt = -Infinity;
  private inFlight: Promise<void> = Promise.resolve();
  private saving: Promise<void> = Promise.resolve();
  private journal: DeletionJournal | undefined;
  /** state.journal as the agent found it at start, for the pods adoption rebuilds from markers. */
  private leftoverJournal = '';
  private revisionsWriting: Promise<void> = Promise.resolve();
  private manifestsWatch: FSWatcher | undefined;
  /** Stops that would follow a file vanishing or emptying: pod name → when first planned. */
  private readonly pendingStops = new Map<string, number>();
  private confirmTimer: Timer | undefined;
  private readonly logTimes = new LogTimeRecorder(Date.now, (path, size) => {
    if (size >= this.logMaxBytes()) void this.rotateLog(path);
  });
  private readonly rotatingLogs = new Set<string>();
  /** When each log was last copied aside: at most once a second, dropped in between (a flood). */
  private readonly logCopiedAt = new Map<string, number>();
  private readonly floodWarnedAt = new Map<string, number>();
  readonly manifestCache: ManifestCache = new Map();
  /** Bumped by every watcher event on a manifest, node.yaml or the config. */
  private fileEpoch = 0;
  /**
   * Bumped by every event in manifests.d (and whenever those events cannot be trusted: the
   * resync, SIGHUP, a new config, the directory's watch lost). A pass while it is unchanged
   * reuses the last pass's manifests instead of stat'ing every file: at 500 DaemonSets that was
   * a third of a pass caused by a label, a second look or a stopped pod.
   */
  private manifestsEpoch = 0;
  private lastLoad: { epoch: number; manifestsEpoch: number; manifests: LoadResult; files: string[] } | undefined;
  private readonly nodeStatus: NodeStatusTracker;
  private conditionTimer: Timer | undefined;
  private evictionTimer: Timer | undefined;
  /** New pods of a surge: a change of theirs may make the old pod's stop due. */
  private awaitingAvailable = new Set<string>();
  private surgeRecheck: Timer | undefined;
  /** The template hash last recorded in revisions.json, per DaemonSet (to skip the file when unchanged). */
  private readonly recordedRevision = new Map<string, string>();
  private rotationTicks = 0;
  /** Probes of every container, eight at a time at most, so a host of hung endpoints cannot swamp the agent. */
  private readonly probes = new ProbeManager({ maxConcurrent: 8, onListenerError: (err, key) => this.log.error({ err: (err as Error).stack, key }, 'probe listener failed'),
    onResult: (kind, result) => this.metrics?.observeProbe(kind, result.ok) });
  private measuring: Promise<void> | undefined;
  private heldBack: string[] = [];
  /**
   * While the agent starts: what early starts need (see earlyStarts). Set once adoption is done
   * and the node is known, cleared before the first full pass.
   */
  private early: { registry: Registry; next: number; owned: Set<string>; inUse: Set<string> } | undefined;
  private closed = false;
  rootId = '';

  constructor(readonly ctx: Context, private readonly opts: AgentOptions) {
    this.clock = opts.clock ?? systemClock;
    this.nodeStatus = new NodeStatusTracker(() => this.clock.now());
    // The CLI has just parsed and checked this text (a refused or invalid config never gets here):
    // the first pass need not parse it again (see reloadConfig).
    if (ctx.configIssues.every((i) => i.severity !== 'error')) this.configSeen = `\0${ctx.configText ?? '\0'}`;
  }

  get log(): Logger {
    return this.opts.log;
  }

  async start(): Promise<void> {
    const { paths } = this.ctx;
    // sun_path holds 108 bytes: a longer socket path fails only after daemons were started.
    if (Buffer.byteLength(paths.socket) > 107) throw new CliError(`the control socket path is too long (${Buffer.byteLength(paths.socket)} bytes, at most 107): ${paths.socket}; use a shorter --root`);
    await acquirePidFile(paths.agentPidFile);
    try {
      await this.startUp();
    } catch (err) {
      // Never linger half-started (no socket, no signal handlers): undo, leave daemons alone, report.
      this.closed = true;
      for (const t of this.timers) clearInterval(t);
      await this.watcher?.close();
      this.manifestsWatch?.close();
      this.supervisor?.detachAll();
      await this.metrics?.close();
      await this.save();
      this.journal?.close();
      await releasePidFile(paths.agentPidFile);
      throw err;
    }
  }

  private async startUp(): Promise<void> {
    const { paths } = this.ctx;
    for (const dir of [paths.stateDir, paths.logDir, paths.runDir, paths.manifestsDir]) await fsp.mkdir(dir, { recursive: true });
    this.rootId = createHash('sha256').update(paths.root).digest('hex').slice(0, 12);
    const loaded = await loadState(paths.stateDir);
    if (loaded.problem) this.log.warn({ problem: loaded.problem }, 'starting from an empty state; daemons are found by their markers');
    this.state = loaded.state;
    this.journal = new DeletionJournal(journalPath(paths.stateDir), loaded.journal !== '');
    this.leftoverJournal = loaded.journal;
    const marked = this.opts.runner.findMarked(this.rootId);
    marked.catch(() => undefined); // awaited below
    // Everything before the first pass at once: the manifests are parsed on the main thread while
    // the thread pool reads /sys and statfs for the rest (docs/benchmarks.md).
    const prerequisites = Promise.all([
      readHostFacts(),
      // Conditions before any start: a host under pressure must not start what it would refuse.
      Promise.all([
        this.nodeStatus.discover(this.ctx.config.featureLabels).catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'cannot discover host facts')),
        this.measureConditions(false),
        // Before the first pass, so that the histogram has it; in parallel, so it delays nothing.
        this.startMetrics(),
      ]),
    ]);
    const manifestsLoaded = loadManifestDir(paths.manifestsDir, undefined, this.manifestCache, (partial) => this.earlyStarts(partial));
    const filesListed = listManifestFiles(paths.manifestsDir);
    manifestsLoaded.catch(() => undefined); // awaited below, after the prerequisites
    filesListed.catch(() => undefined);
    const [facts] = await prerequisites;
    const hostIP = facts.internalIP ?? '127.0.0.1';
    const found = await marked;
    // When every daemon found is one the state file records, adoption needs no manifest: the
    // daemons are taken back, and DaemonSets new to this host start while later files are still
    // parsed (parsing 500 files takes about a second). A daemon the state file lost is rebuilt
    // from its DaemonSet, so then adoption waits for all of them.
    const recorded = new Set(this.state.pods.map((p) => p.uid));
    const adoptEarly = found.every((p) => recorded.has(p.marker.podUid));
    if (adoptEarly) {
      await this.adoptAndSupervise(this.state.lastGood, found, hostIP);
      const [node, registry] = await Promise.all([loadNode(this.ctx, facts, this.nodeStatus.status(this.ctx.config)), readRegistry(paths.stateDir)]);
      // A node.yaml with errors: its taints and labels are unknown, so nothing starts before the full pass decides.
      if (!node.issues.some((i) => i.severity === 'error')) {
        this.node = node.view;
        this.early = { registry, next: 0, owned: new Set(this.state.pods.map(keyOfPod)), inUse: new Set(this.state.pods.map((p) => p.name)) };
      }
    }
    const [manifests, files] = await Promise.all([manifestsLoaded, filesListed]);
    this.early = undefined;
    if (!adoptEarly) await this.adoptAndSupervise(computeEffective(manifests, this.state.lastGood, new Set(files)).inEffect, found, hostIP);
    await this.reconcile('start');
    // The watchers and the API cost ~40 ms of the main thread (chokidar, node:http): after the
    // first pass's daemons are started, not between their requests to the spawn helper.
    await this.supervisor.spawnsSettled(1000);
    this.scheduleConditions();
    await this.watch();
    // A file changed after the first pass read it but before the watcher was ready would wait for
    // the 30 s resync: one more pass now (cheap: unchanged files are cache hits, nothing is saved).
    this.manifestsEpoch++;
    void this.reconcile('watcher ready');
    // Loaded here, after the first daemons started: the API brings node:http and the Kubernetes
    // objects, ~20 ms of module loading that no start has to wait for.
    const { startApiServer } = await import('../api/server.js');
    this.api = await startApiServer(paths.socket, this);
    const group = this.ctx.config.api.readOnlyGroup;
    if (group !== undefined) {
      const gid = await groupId(group);
      if (gid === undefined) this.log.error({ group }, 'api.readOnlyGroup: no such group; the read-only socket is not created');
      else this.readOnlyApi = await startApiServer(paths.readOnlySocket, this, { gid });
    }
    if (this.ctx.config.api.address !== undefined) await this.serveTcpApi(this.ctx.config.api.address);
    this.timers.push(setInterval(() => { this.manifestsEpoch++; void this.reconcile('resync'); }, this.opts.resyncMs ?? 30_000));
    this.timers.push(setInterval(() => void this.rotateLogs(), Math.max(100, this.ctx.config.logs.checkIntervalMs)));
    for (const t of this.timers) t.unref();
    this.log.info({ node: this.ctx.nodeName, root: paths.root, socket: paths.socket, spawner: this.opts.runner.spawner }, 'agent ready');
  }

  /** Opt-in (metrics.address): prom-client is loaded only then. */
  /** Takes back the daemons found (see adopt.ts), then supervises every recorded pod. */
  private async adoptAndSupervise(lastGood: Readonly<Record<string, LastGood>>, found: MarkedProcess[], hostIP: string): Promise<void> {
    const { paths } = this.ctx;
    const adopted = await adoptProcesses(this.opts.runner, this.rootId, this.state.pods, lastGood, iso(this.clock.now()), Promise.resolve(found));
    this.state.pods = adopted.pods;
    // A pod rebuilt from its marker (state.json lost) may be one a killed agent was stopping.
    applyJournal(this.state, this.leftoverJournal);
    this.leftoverJournal = '';
    this.log.info({ adopted: adopted.adopted, lost: adopted.lost, rebuilt: adopted.rebuilt, pods: adopted.pods.length }, 'recovered daemons');
    const cgroups = new CgroupManager(() => ({ root: this.ctx.config.cgroupRoot, mountPoint: this.ctx.config.cgroupMountPoint }), this.log);
    this.supervisor = new Supervisor({
      runner: this.opts.runner, clock: this.clock, log: this.log, rootId: this.rootId, logDir: paths.logDir,
      nodeName: this.ctx.nodeName, hostIP,
      // What a container runtime gives every container: a PATH, HOME for the user, and the host name (hostNetwork).
      baseEnv: { PATH: process.env['PATH'] ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', HOSTNAME: hostname() },
      backoff: () => this.ctx.config.restartBackoff,
      onChange: (pod?: PodRecord) => {
        this.scheduleSave();
        if (pod) this.metrics?.observePod(pod);
        if (pod && this.awaitingAvailable.has(pod.name) && !this.surgeRecheck) {
          this.surgeRecheck = this.clock.setTimer(10, () => { this.surgeRecheck = undefined; void this.reconcile('surged pod changed'); });
        }
      },
      onEvent: (e) => this.event(e),
      probes: this.probes,
      cgroups,
    });
    // Empty cgroups of pods that no longer exist (an agent that crashed mid-stop); adopted pods keep
    // theirs. Awaited: a sweep running beside the first starts could remove a cgroup just made.
    const removed = await cgroups.sweep(new Set(this.state.pods.map((p) => p.name))).catch((err: unknown) => {
      this.log.warn({ err: (err as Error).message }, 'cannot sweep cgroups');
      return [];
    });
    if (removed.length > 0) this.log.info({ removed }, 'removed cgroups of pods that no longer exist');
    for (const pod of this.state.pods) {
      if (pod.deletionTimestamp) void this.stopPod(pod, 'resuming an interrupted stop');
      else this.supervisor.run(pod);
    }
  }

  /**
   * During start-up, after each manifest file: starts the pods of DaemonSets new to this host
   * (none in the state file's last good set, no pod yet, no restart-on-change files to digest).
   * Files are read in order and the first to define a DaemonSet wins, so what a file defines is
   * final once it is in; the first full pass then finds these pods and starts nothing twice.
   * Anything else (updates, deletions, DaemonSets known before) waits for the full pass.
   */
  private earlyStarts(partial: Readonly<LoadResult>): void {
    const e = this.early;
    if (e === undefined || this.closed) return;
    const now = this.clock.now();
    for (; e.next < partial.daemonSets.length; e.next++) {
      const ds = partial.daemonSets[e.next]!.ds;
      const key = dsKey(ds);
      if (this.state.lastGood[key] !== undefined || e.owned.has(key) || restartOnChangePaths(ds).length > 0) continue;
      const source = partial.daemonSets[e.next]!.source;
      const want = this.desiredOf(key, { ds, path: source.path, file: source.file, line: source.line }, undefined, now);
      for (const c of computePlan({ daemonSets: [want], pods: [], now }).create) {
        this.createPod(ds, e.registry[registryKey(want.namespace, want.name)]?.uid ?? key, want.templateHash, want.generation, c.reason, e.inUse, true);
      }
      e.owned.add(key);
    }
  }

  /** One DaemonSet as the plan sees it: where it may run, and its template's revision. */
  private desiredOf(key: string, last: LastGood, digest: Record<string, string> | undefined, now: number) {
    const ds = last.ds;
    const spec = ds.spec.template.spec;
    const placement = decidePlacement({ ...(spec.nodeName ? { nodeName: spec.nodeName } : {}), podSpec: spec, annotations: ds.metadata.annotations ?? {}, node: this.node!, now });
    return { key, namespace: ds.metadata.namespace ?? 'default', name: ds.metadata.name, templateHash: revisionHash(ds.spec.template, digest),
      generation: ds.metadata.generation ?? 1, updateStrategyType: ds.spec.updateStrategy?.type ?? 'RollingUpdate',
      maxSurge: surgeForOneNode(ds.spec.updateStrategy?.rollingUpdate?.maxSurge), minReadySeconds: ds.spec.minReadySeconds ?? 0, placement, last };
  }

  private async startMetrics(): Promise<void> {
    const address = this.ctx.config.metrics.address;
    if (address === undefined) return;
    const { startMetrics } = await import('../observe/metrics.js');
    this.metrics = await startMetrics(address, {
      // Scrapes come at any time: the view is judged at the scrape's own moment.
      view: () => buildLiveView({ ...this.ctx, now: Date.now() }, this.snapshot(), this.manifestCache, this.currentManifests()),
      pods: () => this.state.pods,
    }, this.log);
  }

  /** A port in use or no openssl must not keep the daemons down: the error is logged, the socket API still works. */
  private async serveTcpApi(address: string): Promise<void> {
    try {
      const { startTcpApiServer } = await import('../api/tcp-server.js');
      const served = await startTcpApiServer(address, this);
      this.tcpApi = served;
      this.log.info({ address: served.address }, 'serving the Kubernetes API over HTTPS (hostds kubeconfig prints a kubeconfig)');
    } catch (err) {
      this.log.error({ address, err: (err as Error).message }, 'api.address: cannot serve the API');
    }
  }

  private async watch(): Promise<void> {
    const { watch } = await import('chokidar');
    const { paths } = this.ctx;
    // chokidar watches manifests.d's parent (depth 0), which tells when manifests.d is removed or
    // created again (a watched root that is would be lost: tested, the agent then missed the new
    // files until the 30 s resync). manifests.d's own files are watched by watchManifestsDir.
    const w = watch([dirname(paths.manifestsDir), paths.nodeFile, paths.config, ...this.configFiles], { ignoreInitial: true, depth: 0, atomic: false });
    let pending: NodeJS.Timeout | undefined;
    const relevant = (path: string): boolean => path === paths.nodeFile || path === paths.config || this.configFiles.has(path) ||
      (path.startsWith(paths.manifestsDir) && (path === paths.manifestsDir || isManifestName(path.slice(path.lastIndexOf('/') + 1))));
    const changed = (): void => {
      this.fileEpoch++;
      // Coalesce the burst of events one atomic rename makes (they come microseconds apart); every
      // millisecond here is one more before a change is acted on.
      if (pending) clearTimeout(pending);
      pending = setTimeout(() => void this.reconcile('file change'), 5);
    };
    const inManifests = (path: string): boolean => path === paths.manifestsDir || path.startsWith(`${paths.manifestsDir}/`);
    // Editor backups, swap files and our own lock files are not manifests.
    w.on('all', (event, path) => {
      if (!relevant(path)) return;
      if (inManifests(path)) this.manifestsEpoch++;
      if (path === paths.manifestsDir && (event === 'addDir' || event === 'unlinkDir')) this.watchManifestsDir(changed);
      changed();
      // manifests.d created again: look once more a moment later, for files written into it
      // before chokidar watched the new directory.
      if (event === 'addDir' && path === paths.manifestsDir) setTimeout(changed, 250).unref();
    });
    // chokidar throttles a file's events: a write right after a chmod is dropped as a duplicate
    // (tested). The raw inotify events are not: any of them on a relevant path counts too.
    w.on('raw', (_event: string, evPath: unknown, details: unknown) => {
      const base = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
      if (typeof base !== 'string') return;
      const full = typeof evPath === 'string' && evPath !== '' ? (isAbsolute(evPath) ? evPath : join(base, evPath)) : base;
      // A file watched by itself (node.yaml, config.yaml) reports its own name as evPath.
      if (relevant(full) || (base !== paths.manifestsDir && relevant(base))) {
        if (inManifests(full)) this.manifestsEpoch++;
        changed();
      }
    });
    w.on('error', (err) => this.log.error({ err: (err as Error).message }, 'watch error'));
    await new Promise<void>((res) => w.once('ready', () => res()));
    this.watcher = w;
    this.watchManifestsDir(changed);
  }

  /**
   * manifests.d's files, through one inotify watch whose events name the file. chokidar re-lists
   * a directory on every rename in it: 40-70 ms of CPU per manifest saved with 500 files, on the
   * path from a manifest change to its new daemon. Armed again whenever manifests.d is created
   * anew (a watch follows the old directory, not the name).
   */
  private watchManifestsDir(changed: () => void): void {
    this.manifestsWatch?.close();
    this.manifestsWatch = undefined;
    if (this.closed) return;
    let fw: FSWatcher;
    try {
      fw = watchDir(this.ctx.paths.manifestsDir, { persistent: false }, (_event, name) => {
        this.manifestsEpoch++; // any entry, the directory itself included (its mode decides trust)
        if (name === null || isManifestName(String(name))) changed();
      });
    } catch {
      return; // not there (yet): the parent's watch reports it when it appears
    }
    fw.on('error', (err) => {
      this.log.warn({ err: err.message }, 'manifests.d watch error; the next change of the directory or the 30 s resync picks up changes');
      fw.close();
      if (this.manifestsWatch === fw) this.manifestsWatch = undefined;
      this.manifestsEpoch++;
      changed();
    });
    this.manifestsWatch = fw;
  }

  event(e: Omit<HostdsEvent, 'firstTimestamp' | 'lastTimestamp' | 'count'>): void {
    recordEvent(this.state.events, e, iso(this.clock.now()));
    this.scheduleSave();
  }

  /**
   * 20 ms (plus 0.2 ms per pod) after a change, and at most every 100 ms plus 0.5 ms per pod: starting 500 daemons, a
   * save per 20 ms serialised the whole state ~100 times (~5% of the start, mostly GC), and one
   * every 100 ms still cost ~300 ms of the main thread. What a crash loses in between, the
   * marker scan recovers (agent-hostile: SIGKILL at random points).
   */
  private scheduleSave(): void {
    if (this.saveTimer || this.closed) return;
    const gap = Math.min(SAVE_MAX_GAP_MS, SAVE_MIN_GAP_MS + SAVE_GAP_PER_POD_MS * this.state.pods.length);
    // The first save after a quiet spell waits longer with more pods too: at 500 a save is ~1 MB
    // and an fsync, and one started 20 ms into a replacement held the new daemon's log directory
    // and file behind the journal commit (~50 ms); 20 ms + 0.2 ms a pod lets the replacement finish.
    const debounce = SAVE_DEBOUNCE_MS + SAVE_DEBOUNCE_PER_POD_MS * this.state.pods.length;
    const delay = Math.max(debounce, this.lastSaveAt + gap - this.clock.now());
    this.saveTimer = this.clock.setTimer(delay, () => {
      this.saveTimer = undefined;
      this.lastSaveAt = this.clock.now();
      void this.save();
    });
  }

  /** Line times for `logs --timestamps`: watch exactly the logs of running containers. */
  private syncLogTimes(): void {
    const live = new Set<string>();
    for (const pod of this.state.pods) {
      for (const c of [...pod.initContainers, ...pod.containers]) {
        if (c.phase === 'running') live.add(containerLogPath(this.ctx.paths.logDir, pod.name, c.name));
      }
    }
    this.logTimes.sync(live);
  }

  private queuedSave: Promise<void> | undefined;

  /**
   * A save that starts after this call, shared by every caller until it starts: stopping 500
   * pods at once then writes the state twice, not 500 times. Saves are chained: two atomic
   * writes in flight may rename in either order, and an older snapshot landing last would
   * resurrect stopped pods after a restart.
   */
  save(): Promise<void> {
    if (this.queuedSave) return this.queuedSave;
    const queued = this.saving.then(async () => {
      this.queuedSave = undefined;
      if (!this.closed) this.syncLogTimes();
      const mark = this.journal?.mark ?? 0; // the state is serialised in this same turn
      await saveState(this.ctx.paths.stateDir, this.state);
      try {
        this.journal?.saved(mark);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'cannot empty the deletion journal (harmless: state.json is newer)');
      }
    }).catch((err: unknown) => this.log.error({ err: (err as Error).message }, 'cannot save state'));
    this.queuedSave = queued;
    this.saving = queued;
    return queued;
  }

  /** One pass: files → desired pods → plan → effects. Serialized; a change during a pass triggers another. */
  async reconcile(why: string): Promise<void> {
    if (this.closed) return;
    if (this.reconciling) { this.again = true; return; }
    this.reconciling = true;
    let done!: () => void;
    this.inFlight = new Promise<void>((r) => { done = r; });
    const t0 = performance.now();
    try {
      do {
        this.again = false;
        await this.reconcileOnce();
      } while (this.again && !this.closed);
    } catch (err) {
      this.log.error({ err: (err as Error).stack }, 'reconcile failed');
    } finally {
      this.reconciling = false;
      done();
    }
    this.metrics?.observeReconcile((performance.now() - t0) / 1000);
    this.log.debug({ why, ms: Math.round(performance.now() - t0) }, 'reconciled');
  }

  /** config.yaml is watched too: a valid new version applies at once, an invalid one is logged and ignored. */
  private async reloadConfig(): Promise<void> {
    const text = await fsp.readFile(this.ctx.paths.config, 'utf8').catch(() => undefined);
    const unsafe = await configRefusal(this.ctx.paths.config);
    // Same text, same verdict: every pass reads the file, but parses it only when it changed.
    const seen = `${unsafe ?? ''}\0${text ?? '\0'}`;
    if (seen === this.configSeen) return;
    this.configSeen = seen;
    const { parseConfig, DEFAULT_CONFIG } = await import('../config/config.js');
    const { config, issues } = unsafe ? { config: this.ctx.config, issues: [{ severity: 'error' as const, file: this.ctx.paths.config, line: 1, col: 1, path: '', message: unsafe }] }
      : text === undefined ? { config: DEFAULT_CONFIG, issues: [] } : await parseConfig(text, this.ctx.paths.config);
    const errors = issues.filter((i) => i.severity === 'error');
    if (errors.length > 0) {
      const e = errors[0]!;
      const key = `${e.line}:${e.col}:${e.message}`;
      if (this.configError !== key) this.log.warn({ file: e.file, line: e.line, col: e.col }, `config is invalid, keeping the previous one: ${e.path}: ${e.message}`);
      this.configError = key;
      return;
    }
    this.configError = undefined;
    if (JSON.stringify(config) !== JSON.stringify(this.ctx.config)) {
      this.log.info('config reloaded');
      const before = this.ctx.config;
      (this.ctx as { config: typeof config }).config = config;
      setStrictModes(config.strictModes);
      this.manifestsEpoch++; // strictModes decides which manifests are trusted
      if (!config.strictModes && before.strictModes) this.log.warn('strictModes is off: manifests and node.yaml that other users can change are acted on as root');
      // New thresholds or paths apply now, not at the next tick; a new frequency from the next one.
      if (JSON.stringify([before.evictionHard, before.nodefsPaths, before.evictionPressureTransitionPeriodMs]) !==
        JSON.stringify([config.evictionHard, config.nodefsPaths, config.evictionPressureTransitionPeriodMs])) await this.measureConditions(false);
      if (before.featureLabels !== config.featureLabels) await this.nodeStatus.discover(config.featureLabels).catch(() => undefined);
      if (before.nodeStatusUpdateFrequencyMs !== config.nodeStatusUpdateFrequencyMs) this.scheduleConditions();
      if (before.metrics.address !== config.metrics.address) this.log.warn({ address: config.metrics.address ?? null }, 'metrics.address changed: it applies when the agent restarts');
    }
  }

  private async reconcileOnce(): Promise<void> {
    const { paths } = this.ctx;
    const epoch = this.fileEpoch;
    await this.reloadConfig();
    const manifestsEpoch = this.manifestsEpoch;
    const last = this.manifestsWatch !== undefined && this.lastLoad?.manifestsEpoch === manifestsEpoch ? this.lastLoad : undefined;
    const facts = await readHostFacts();
    const [manifests, files, node, registry] = await Promise.all([
      last?.manifests ?? loadManifestDir(paths.manifestsDir, undefined, this.manifestCache), last?.files ?? listManifestFiles(paths.manifestsDir),
      loadNode(this.ctx, facts, this.nodeStatus.status(this.ctx.config)), readRegistry(paths.stateDir),
    ]);
    // A node.yaml that does not parse keeps the last good node rather than dropping its taints.
    if (node.issues.some((i) => i.severity === 'error' && (i.code === 'yaml-syntax' || i.code === 'unsafe-permissions')) && this.node) {
      this.log.warn({ error: node.issues.find((i) => i.severity === 'error')?.message }, 'node.yaml has errors; keeping the last good node');
    }
    else this.node = node.view;
    if (this.closed) return;
    this.lastLoad = { epoch, manifestsEpoch, manifests, files };
    const effective = computeEffective(manifests, this.state.lastGood, new Set(files));
    // A pass that changes nothing writes nothing: the 30 s resync of an idle host is then a stat per file.
    const dirty = !sameEffective(this.state.lastGood, effective.inEffect);
    this.state.lastGood = effective.inEffect;
    this.heldBack = effective.heldBack;
    this.reportManifestErrors(manifests, effective.heldBack);
    // Beside the starts, not before them: a first-seen DaemonSet's pods are named from the registry
    // read above, which cannot hold it yet, so the write (a lock and an fsync'd rename) decides
    // nothing this pass and must not delay its daemons.
    const registered = this.registerFirstSeen(Object.keys(effective.inEffect), registry);
    const now = this.clock.now();
    const digests = await this.restartOnChangeDigests(effective.inEffect);
    const desired = Object.entries(effective.inEffect).map(([key, last]) => this.desiredOf(key, last, digests.get(key), now));
    // Every pod, terminating ones included: the plan waits for those before creating a replacement.
    const plan = computePlan({ daemonSets: desired, pods: this.state.pods, now });
    this.evictionTimer?.cancel();
    this.evictionTimer = undefined;
    // Plan again when time alone changes the answer: tolerationSeconds running out, or a surged
    // pod reaching minReadySeconds. Changes of the new pods themselves come through onChange.
    const recheckAt = Math.min(plan.nextEvictionAt ?? Infinity, plan.availableAt ?? Infinity);
    if (Number.isFinite(recheckAt)) {
      this.evictionTimer = this.clock.setTimer(Math.max(0, recheckAt - now) + 5, () => void this.reconcile('time-based recheck'));
    }
    this.awaitingAvailable = new Set(plan.waitingForAvailable);
    const unreadable = manifests.issues.some((i) => i.severity === 'error' && !manifests.rejected.some((r) => r.source.file === i.file));
    const planned = new Set<string>();
    for (const d of plan.delete) {
      const pod = this.state.pods.find((p) => p.name === d.pod);
      if (!pod) continue;
      // A manifest that cannot be read at all might still define this DaemonSet: do not guess, keep the pod.
      if (d.code === 'DaemonSetDeleted' && unreadable) { this.log.warn({ pod: pod.name }, 'not stopping: a manifest file cannot be read, its DaemonSet may still exist'); continue; }
      if (this.shouldDefer(d.code, pod.name, now)) { planned.add(pod.name); continue; }
      // The taint manager's event, so `describe pod` and `get events` say why it went.
      if (d.code === 'NoExecuteTaint' && !this.stopping.has(pod.name)) {
        this.event({ type: 'Normal', reason: 'TaintManagerEviction', message: `Marking for deletion Pod ${pod.namespace}/${pod.name}: ${d.reason}`,
          involvedObject: { kind: 'Pod', namespace: pod.namespace, name: pod.name } });
      }
      void this.stopPod(pod, d.reason);
    }
    for (const name of [...this.pendingStops.keys()]) if (!planned.has(name)) this.pendingStops.delete(name);
    const inUse = new Set(this.state.pods.map((p) => p.name));
    const byKey = new Map(desired.map((d) => [d.key, d]));
    for (const c of plan.create) {
      const want = byKey.get(c.daemonSet);
      if (!want) continue;
      const uid = registry[registryKey(want.namespace, want.name)]?.uid ?? want.key;
      const created = this.createPod(want.last.ds, uid, want.templateHash, want.generation, c.reason, inUse);
      // A surged pod's start (and, with minReadySeconds, the time after it) decides when the old one stops.
      if (c.code === 'Surge') this.awaitingAvailable.add(created);
    }
    if (dirty || plan.create.length > 0 || plan.delete.length > 0) this.scheduleSave();
    await registered;
    // History is for rollout commands and must not delay a daemon: written beside the passes, one
    // write after another (at 500 DaemonSets a write is tens of ms, and the pass that replaces a
    // pod waits for this one to end).
    const filesUnreadable = unreadableNow(manifests);
    this.revisionsWriting = this.revisionsWriting.then(() => this.recordRevisions(effective.inEffect, filesUnreadable));
  }

  /**
   * An editor that saves by rename, or a writer that truncates first, leaves a manifest missing or
   * empty for a moment: a stop caused by the file (not by a label or a taint) must still be called
   * for on a second look CONFIRM_MS later. Starts are never delayed.
   */
  private shouldDefer(code: string, pod: string, now: number): boolean {
    if (code !== 'DaemonSetDeleted' && code !== 'NodeNoLongerMatches') return false;
    const first = this.pendingStops.get(pod);
    if (first !== undefined && now - first >= CONFIRM_MS) {
      this.pendingStops.delete(pod);
      return false;
    }
    if (first === undefined) this.pendingStops.set(pod, now);
    this.confirmTimer?.cancel();
    this.confirmTimer = this.clock.setTimer(CONFIRM_MS + 5, () => void this.reconcile('confirm stop'));
    return true;
  }

  /**
   * ControllerRevisions: each new template of a DaemonSet gets the next number (an old one coming
   * back, as after an undo, is renumbered), pruned to revisionHistoryLimit; a deleted DaemonSet's
   * history goes with it. The file is touched only when a template changed.
   */
  private async recordRevisions(inEffect: Record<string, { ds: DaemonSet }>, unreadable: boolean): Promise<void> {
    const nowIso = iso(this.clock.now());
    const updates = new Map<string, (list: Revision[]) => Revision[]>();
    const hashes = new Map<string, string>();
    let liveByKey: Map<string, Set<string>> | undefined;
    for (const [key, { ds }] of Object.entries(inEffect)) {
      const hash = templateHashOf(ds.spec.template);
      if (this.recordedRevision.get(key) === hash) continue;
      hashes.set(key, hash);
      // Built once, when a first template is new: per DaemonSet, a scan of every pod made the first
      // pass after a start O(n²) (250 000 keys built for 500 DaemonSets).
      liveByKey ??= liveTemplateHashes(this.state.pods);
      const live = liveByKey.get(key) ?? new Set<string>();
      const changeCause = ds.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
      updates.set(key, (list) => recordRevision(list, { hash, template: ds.spec.template, ...(changeCause ? { changeCause } : {}) },
        nowIso, ds.spec.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT, live));
    }
    if (!unreadable) {
      for (const key of this.recordedRevision.keys()) if (!(key in inEffect)) updates.set(key, () => []);
    }
    if (updates.size === 0) return;
    try {
      await updateManyRevisions(this.ctx.paths.stateDir, updates);
      for (const key of updates.keys()) {
        const hash = hashes.get(key);
        if (hash === undefined) this.recordedRevision.delete(key);
        else this.recordedRevision.set(key, hash);
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'cannot record revisions');
    }
  }

  /** Digests of every restart-on-change file, by DaemonSet; new files join the watch. */
  private async restartOnChangeDigests(inEffect: Record<string, { ds: DaemonSet }>): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    const fresh: string[] = [];
    for (const [key, { ds }] of Object.entries(inEffect)) {
      const files = restartOnChangePaths(ds);
      if (files.length === 0) continue;
      out.set(key, await digestFiles(files));
      for (const f of files) if (!this.configFiles.has(f)) { this.configFiles.add(f); fresh.push(f); }
    }
    if (fresh.length > 0) this.watcher?.add(fresh);
    return out;
  }

  /** DaemonSets dropped into manifests.d by hand get a creation time when first seen, so AGE survives rewrites. */
  private async registerFirstSeen(keys: string[], registry: Registry): Promise<void> {
    const fresh = keys.filter((k) => !registry[k]);
    if (fresh.length === 0) return;
    await updateRegistry(this.ctx.paths.stateDir, { created: fresh }, new Date(this.clock.now()))
      .catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'cannot record creation times'));
  }

  /** Once per distinct error: a log line and an event on the DaemonSet (rejected, or held back by a broken file). */
  private reportManifestErrors(loaded: LoadResult, heldBack: readonly string[]): void {
    const errors = new Map<string, ManifestIssue[]>();
    for (const r of loaded.rejected) errors.set(`${r.namespace}/${r.name}`, r.errors);
    for (const key of heldBack) {
      const last = this.state.lastGood[key];
      if (!errors.has(key) && last) errors.set(key, loaded.issues.filter((i) => i.severity === 'error' && (i.file === last.file || i.file === last.path)));
    }
    for (const [key, list] of errors) {
      const e = list[0];
      const text = e ? `${e.file}:${e.line}:${e.col}: ${e.message}` : 'invalid';
      if (this.reportedErrors.get(key) === text) continue;
      this.reportedErrors.set(key, text);
      const [namespace = 'default', name = key] = key.split('/');
      const kept = this.state.lastGood[key] ? '; the last valid version stays in effect' : '';
      this.log.warn({ ds: key, error: text, errors: list.length }, `manifest is invalid${kept}`);
      this.event({ type: 'Warning', reason: 'InvalidManifest', message: `${text} (${list.length} error${list.length === 1 ? '' : 's'})${kept}`,
        involvedObject: { kind: 'DaemonSet', namespace, name } });
    }
    for (const key of [...this.reportedErrors.keys()]) if (!errors.has(key)) this.reportedErrors.delete(key);
  }

  /** `inUse`: names of every pod, kept up to date by the caller's loop (one set per pass, not per pod). */
  private createPod(ds: DaemonSet, dsUid: string, templateHash: string, generation: number, reason: string, inUse: Set<string>, early = false): string {
    const key = dsKey(ds);
    // The counter is lost with the state file: skip names still in use so a replacement is never a namesake.
    let ordinal = this.state.podCounters?.[key] ?? 0;
    let name = podNameFor(ds, dsUid, ordinal, this.ctx.nodeName);
    while (inUse.has(name)) name = podNameFor(ds, dsUid, ++ordinal, this.ctx.nodeName);
    inUse.add(name);
    (this.state.podCounters ??= {})[key] = ordinal + 1;
    const pod = buildPod({ ds, name, uid: randomUUID(), templateHash, templateGeneration: generation, nowIso: iso(this.clock.now()) });
    this.state.pods.push(pod);
    this.log.info({ ds: key, pod: name, reason, ...(early ? { early } : {}) }, 'creating pod');
    this.event({ type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${name}`, involvedObject: { kind: 'DaemonSet', namespace: pod.namespace, name: ds.metadata.name } });
    this.event({ type: 'Normal', reason: 'Scheduled', message: `Successfully assigned ${pod.namespace}/${name} to ${this.ctx.nodeName}`, involvedObject: { kind: 'Pod', namespace: pod.namespace, name } });
    this.supervisor.run(pod);
    this.scheduleSave();
    return name;
  }

  async stopPod(pod: PodRecord, reason: string): Promise<void> {
    if (this.stopping.has(pod.name)) return;
    this.stopping.add(pod.name);
    pod.deletionTimestamp ??= iso(this.clock.now());
    this.log.info({ pod: pod.name, reason }, 'stopping pod');
    // The pod as deleting is on disk before any replacement starts (which takes this stop's end and
    // a pass), so an agent killed after that start finishes this stop (a no-op) and adopts the
    // replacement by its marker, rather than restarting this pod beside it. One line in the
    // deletion journal, written before the signal; the whole state follows with the next save.
    let recorded: Promise<void> | undefined;
    try {
      this.journal!.record(pod.uid, pod.deletionTimestamp);
      this.scheduleSave();
    } catch (err) {
      this.log.warn({ pod: pod.name, err: (err as Error).message }, 'cannot write the deletion journal; saving the whole state instead');
      recorded = this.save();
    }
    await this.supervisor.stop(pod, graceMs(pod));
    this.state.pods = this.state.pods.filter((p) => p !== pod);
    this.stopping.delete(pod.name);
    this.event({ type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted pod: ${pod.name}`, involvedObject: { kind: 'DaemonSet', namespace: pod.daemonSet.namespace, name: pod.daemonSet.name } });
    await recorded;
    void this.reconcile('pod stopped');
  }

  /**
   * Measures the host and re-evaluates its conditions; a change of status is logged, recorded as
   * the kubelet's node event, and (with `act`) re-decides every DaemonSet at once.
   */
  private async measureConditions(act: boolean): Promise<void> {
    if (this.measuring) return this.measuring;
    this.measuring = (async () => {
      const before = this.nodeStatus.status(this.ctx.config).conditions;
      // A statfs on a dead network mount never returns: say so once, and start no second one
      // meanwhile (each would hold another of libuv's four threads).
      const slow = setTimeout(() => this.log.warn({ nodefsPaths: nodefsPathsFor(this.ctx.config, this.ctx.paths) },
        'measuring node conditions takes over 10 s (a hung filesystem?); conditions keep their last status'), 10_000);
      const changed = await this.nodeStatus.refresh(this.ctx.config, this.ctx.paths).finally(() => clearTimeout(slow));
      if (!changed) return;
      const after = this.nodeStatus.status(this.ctx.config).conditions;
      for (const c of after) {
        const was = before.find((b) => b.type === c.type);
        if (was?.status === c.status) continue;
        this.log.info({ condition: c.type, status: c.status, reason: c.reason }, c.message);
        const reason = nodeEventReason(c);
        if (reason) this.event({ type: 'Normal', reason, message: `Node ${this.ctx.nodeName} status is now: ${reason}`, involvedObject: { kind: 'Node', name: this.ctx.nodeName } });
      }
      if (act) await this.reconcile('node conditions changed');
    })().catch((err: unknown) => this.log.error({ err: (err as Error).stack }, 'cannot measure node conditions'))
      .finally(() => { this.measuring = undefined; });
    return this.measuring;
  }

  /** Every nodeStatusUpdateFrequency (re-read each time, so a config change applies from the next tick). */
  private scheduleConditions(): void {
    this.conditionTimer?.cancel();
    if (this.closed) return;
    this.conditionTimer = this.clock.setTimer(this.ctx.config.nodeStatusUpdateFrequencyMs, () => {
      void this.measureConditions(true).then(() => this.scheduleConditions());
    });
  }

  /** SIGHUP: host facts again (labels), conditions, and a pass. */
  async reload(): Promise<void> {
    await this.nodeStatus.discover(this.ctx.config.featureLabels).catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'cannot discover host facts'));
    await this.measureConditions(false);
    this.manifestsEpoch++;
    await this.reconcile('SIGHUP');
  }

  /** `hostds delete pod`: stop it; the next pass creates a replacement under a new name. */
  async deletePod(namespace: string, name: string): Promise<boolean> {
    const pod = this.state.pods.find((p) => p.name === name && p.namespace === namespace);
    if (!pod) return false;
    void this.stopPod(pod, 'deleted by request');
    return true;
  }

  /**
   * The manifests as the last pass loaded them, while no file has changed since that pass began:
   * the API serves views from it instead of stat'ing every file again (30-60 ms at 500 files).
   */
  currentManifests(): { manifests: LoadResult; files: string[] } | undefined {
    return this.watcher && this.lastLoad?.epoch === this.fileEpoch ? this.lastLoad : undefined;
  }

  /** The TCP API wrote a file: serve fresh reads at once and act on it without waiting for the watcher. */
  filesWritten(): void {
    this.fileEpoch++;
    this.manifestsEpoch++;
    void this.reconcile('api write');
  }

  snapshot(): LiveSnapshot {
    return { pods: this.state.pods, events: this.state.events, heldBack: this.heldBack, lastGood: this.state.lastGood,
      podCounters: this.state.podCounters ?? {}, nodeName: this.ctx.nodeName, rootId: this.rootId, nodeStatus: this.nodeStatus.status(this.ctx.config) };
  }

  /**
   * Only logs seen growing are checked (the log-time recorder watches every live log), plus every
   * live log once in six checks, in case a watch was missed: an idle host stats nothing.
   */
  private logMaxBytes(): number {
    return parseQuantity(this.ctx.config.logs.maxSize) ?? 10 * 1024 * 1024;
  }

  private async rotateLogs(): Promise<void> {
    const grown = this.logTimes.takeGrown();
    const all = ++this.rotationTicks % 6 === 0;
    const live = new Set<string>();
    for (const pod of this.state.pods) {
      for (const c of [...pod.initContainers, ...pod.containers]) {
        if (c.phase !== 'running') continue;
        const path = containerLogPath(this.ctx.paths.logDir, pod.name, c.name);
        live.add(path);
        if (!all && !grown.has(path) && this.logTimes.isTracked(path)) continue;
        await this.rotateLog(path);
      }
    }
    for (const m of [this.logCopiedAt, this.floodWarnedAt]) for (const path of m.keys()) if (!live.has(path)) m.delete(path);
  }

  /**
   * Copy-truncate once a log reaches logs.maxSize: on the interval, and at once when the log-time
   * recorder sees it pass the limit. A log that passes it again within a second of its last copy is
   * emptied without a copy, so a daemon writing at disk speed costs one copy a second and the disk
   * stays within maxSize x maxFiles plus what it writes until the agent looks again (~10 ms idle,
   * longer on a loaded host; test/integration/agent-hostile).
   */
  private async rotateLog(path: string): Promise<void> {
    if (this.rotatingLogs.has(path) || this.closed) return;
    this.rotatingLogs.add(path);
    try {
      const maxBytes = this.logMaxBytes();
      const now = Date.now();
      if (now - (this.logCopiedAt.get(path) ?? -Infinity) >= LOG_COPY_GAP_MS) {
        if (await rotateIfNeeded(path, { maxBytes, maxFiles: this.ctx.config.logs.maxFiles })) this.logCopiedAt.set(path, now);
      } else if (await dropIfNeeded(path, maxBytes)) this.warnFlood(path, now);
    } catch (err) {
      this.log.warn({ path, err: (err as Error).message }, 'log rotation failed');
    } finally {
      this.rotatingLogs.delete(path);
    }
  }

  private warnFlood(path: string, now: number): void {
    if (now - (this.floodWarnedAt.get(path) ?? -Infinity) < 60_000) return;
    this.floodWarnedAt.set(path, now);
    let pod: PodRecord | undefined;
    let container: string | undefined;
    for (const p of this.state.pods) {
      container = [...p.initContainers, ...p.containers].find((c) => containerLogPath(this.ctx.paths.logDir, p.name, c.name) === path)?.name;
      if (container !== undefined) { pod = p; break; }
    }
    const message = `container ${container ?? '?'} writes its log faster than it can be rotated (logs.maxSize ${this.ctx.config.logs.maxSize}); output beyond the limit is being dropped`;
    this.log.warn({ pod: pod?.name, path }, message);
    if (pod) this.event({ type: 'Warning', reason: 'LogFlood', message, involvedObject: { kind: 'Pod', namespace: pod.namespace, name: pod.name } });
  }

  /** Leaves daemons running (like the kubelet) unless told to stop them. */
  async shutdown(signal: string): Promise<void> {
    if (this.closed) return;
    this.log.info({ signal, stopDaemons: this.opts.stopDaemonsOnExit }, 'agent stopping');
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.confirmTimer?.cancel();
    this.conditionTimer?.cancel();
    this.evictionTimer?.cancel();
    this.surgeRecheck?.cancel();
    this.probes.close();
    this.logTimes.close();
    // A pass in flight may be about to start a daemon: let it finish so that daemon is recorded (and stopped if asked).
    await this.inFlight;
    await this.revisionsWriting;
    await this.watcher?.close();
    this.manifestsWatch?.close();
    if (this.opts.stopDaemonsOnExit) {
      await Promise.all(this.state.pods.map(async (pod) => {
        pod.deletionTimestamp ??= iso(this.clock.now());
        await this.supervisor.stop(pod, graceMs(pod));
      }));
      this.state.pods = [];
    } else {
      this.supervisor.detachAll();
    }
    this.saveTimer?.cancel();
    await this.save();
    await this.api?.close();
    await this.readOnlyApi?.close();
    await this.metrics?.close();
    await this.tcpApi?.close();
    this.journal?.close();
    await releasePidFile(this.ctx.paths.agentPidFile);
  }
}

/** The kubelet's node events for a condition's new status (NodeHasDiskPressure, NodeReady, ...). */
function nodeEventReason(c: NodeCondition): string | undefined {
  const on = c.status === 'True';
  switch (c.type) {
    case 'MemoryPressure': return on ? 'NodeHasInsufficientMemory' : 'NodeHasSufficientMemory';
    case 'DiskPressure': return on ? 'NodeHasDiskPressure' : 'NodeHasNoDiskPressure';
    case 'PIDPressure': return on ? 'NodeHasInsufficientPID' : 'NodeHasSufficientPID';
    case 'NetworkUnavailable': return on ? 'NodeNetworkUnavailable' : 'NodeNetworkAvailable';
    case 'Ready': return on ? 'NodeReady' : 'NodeNotReady';
  }
  return undefined;
}

/** maxSurge for a single node: percentages round up (as the controller scales them), so any positive value is 1. */
function surgeForOneNode(v: number | string | undefined): number {
  if (typeof v === 'number') return v > 0 ? 1 : 0;
  if (typeof v === 'string') return Number.parseFloat(v) > 0 ? 1 : 0;
  return 0;
}

/** Some manifest file cannot be read at all: a DaemonSet missing now may be defined there. */
function unreadableNow(manifests: LoadResult): boolean {
  return manifests.issues.some((i) => i.severity === 'error' && !manifests.rejected.some((r) => r.source.file === i.file));
}

/** A group name from /etc/group, or a gid as given. */
async function groupId(group: string | number): Promise<number | undefined> {
  if (typeof group === 'number') return group;
  const text = await fsp.readFile('/etc/group', 'utf8').catch(() => '');
  const line = text.split('\n').find((l) => l.split(':')[0] === group);
  const gid = line === undefined ? NaN : Number(line.split(':')[2]);
  return Number.isInteger(gid) ? gid : undefined;
}

/** The template hashes of each DaemonSet's pods (`namespace/name` → hashes): the revisions they still use. */
function liveTemplateHashes(pods: readonly PodRecord[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const p of pods) {
    const key = `${p.daemonSet.namespace}/${p.daemonSet.name}`;
    let hashes = out.get(key);
    if (hashes === undefined) out.set(key, hashes = new Set());
    hashes.add(p.templateHash);
  }
  return out;
}
