// config.yaml: every key optional, named after the kubelet's KubeletConfiguration (DESIGN.md §9).
// Raw YAML in, one frozen ResolvedConfig out; bad values are positioned issues, never crashes.
import type { ManifestIssue } from '../manifest/issues.js';
import { parseSimpleYaml } from '../manifest/fast-yaml.js';
import { parseDuration } from '../lib/duration.js';
import { DEFAULT_API_PORT, parseListenAddress } from '../lib/listen-address.js';
import { isQualifiedName, isValidLabelValue } from '../manifest/k8s-names.js';
import { TAINT_EFFECTS, type Taint, type TaintEffect } from '../manifest/types.js';
import { DEFAULT_CONFIG, type ResolvedConfig } from './defaults.js';
import { checkCgroupRoot } from '../supervise/cgroup-layout.js';

export { DEFAULT_CONFIG, type ResolvedConfig };

const EVICTION_SIGNALS = ['memory.available', 'nodefs.available', 'nodefs.inodesFree', 'pid.available'];
const QUANTITY_RE = /^(\d+(\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$|^\d+(\.\d+)?%$/;

export interface ConfigResult {
  config: ResolvedConfig;
  issues: ManifestIssue[];
}

/**
 * config.yaml text → config. The fast YAML path reads a plain config without loading the `yaml`
 * library (~20 ms of the agent's and every command's start); a config with anything to report,
 * or that the fast path does not read, goes to the library for exact positions (config-yaml.ts).
 */
export async function parseConfig(text: string, file: string): Promise<ConfigResult> {
  const simple = parseSimpleYaml(text);
  if (simple !== null && simple.values.length <= 1) {
    const raw = simple.values[0];
    if (raw === undefined) return { config: DEFAULT_CONFIG, issues: [] };
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
      let clean = true;
      const config = resolveConfig(raw as Record<string, unknown>, () => { clean = false; });
      if (clean) return { config: Object.freeze(config), issues: [] };
    }
  }
  return (await import('./config-yaml.js')).parseConfigText(text, file);
}

/** `keys` locates the value when the dotted path is ambiguous (eviction signals contain dots). */
export type Report = (path: string, message: string, severity?: 'error' | 'warning', keys?: string[]) => void;

const KNOWN_KEYS = ['nodeName', 'evictionHard', 'evictionPressureTransitionPeriod', 'nodeStatusUpdateFrequency', 'nodefsPaths',
  'featureLabels', 'strictModes', 'registerWithTaints', 'onExit', 'restartBackoff', 'logs', 'api', 'metrics', 'cgroupRoot', 'cgroupMountPoint', 'memoryTrimInterval'];

export function resolveConfig(raw: Record<string, unknown>, report: Report): ResolvedConfig {
  const c: ResolvedConfig = structuredClone(DEFAULT_CONFIG) as ResolvedConfig;
  for (const key of Object.keys(raw)) if (!KNOWN_KEYS.includes(key)) report(key, `unknown key "${key}" (ignored; is it a typo?)`, 'warning');
  const str = (path: string, v: unknown): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') { report(path, `expected a string, got ${JSON.stringify(v)}`); return undefined; }
    return v;
  };
  const dur = (path: string, v: unknown, fallback: number): number => {
    const s = str(path, typeof v === 'number' ? `${v}s` : v);
    if (s === undefined) return fallback;
    try { return parseDuration(s); } catch (err) { report(path, (err as Error).message); return fallback; }
  };
  const nodeName = str('nodeName', raw['nodeName']);
  if (nodeName !== undefined) c.nodeName = nodeName;
  if (raw['evictionHard'] !== undefined) c.evictionHard = resolveEviction(raw['evictionHard'], report);
  c.evictionPressureTransitionPeriodMs = dur('evictionPressureTransitionPeriod', raw['evictionPressureTransitionPeriod'], c.evictionPressureTransitionPeriodMs);
  c.nodeStatusUpdateFrequencyMs = dur('nodeStatusUpdateFrequency', raw['nodeStatusUpdateFrequency'], c.nodeStatusUpdateFrequencyMs);
  const paths = raw['nodefsPaths'];
  if (paths !== undefined && paths !== null) {
    if (Array.isArray(paths) && paths.every((p) => typeof p === 'string' && p.startsWith('/'))) c.nodefsPaths = paths as string[];
    else report('nodefsPaths', 'expected a list of absolute paths');
  }
  const fl = raw['featureLabels'];
  if (fl !== undefined && fl !== null) {
    if (typeof fl === 'boolean') c.featureLabels = fl; else report('featureLabels', `expected true or false, got ${JSON.stringify(fl)}`);
  }
  if (raw['registerWithTaints'] !== undefined && raw['registerWithTaints'] !== null) c.registerWithTaints = resolveTaints(raw['registerWithTaints'], report);
  const sm = raw['strictModes'];
  if (sm !== undefined && sm !== null) {
    if (typeof sm === 'boolean') c.strictModes = sm; else report('strictModes', `expected true or false, got ${JSON.stringify(sm)}`);
  }
  const onExit = raw['onExit'];
  if (onExit !== undefined && onExit !== null) {
    if (onExit === 'keep' || onExit === 'stop') c.onExit = onExit; else report('onExit', `Unsupported value: ${JSON.stringify(onExit)}: supported values: "keep", "stop"`);
  }
  const rb = asRecord(raw['restartBackoff'], 'restartBackoff', report);
  c.restartBackoff = {
    initialMs: dur('restartBackoff.initial', rb['initial'], c.restartBackoff.initialMs),
    maxMs: dur('restartBackoff.max', rb['max'], c.restartBackoff.maxMs),
    resetMs: dur('restartBackoff.reset', rb['reset'], c.restartBackoff.resetMs),
  };
  const logs = asRecord(raw['logs'], 'logs', report);
  const maxSize = str('logs.maxSize', logs['maxSize']);
  if (maxSize !== undefined) {
    if (QUANTITY_RE.test(maxSize) && !maxSize.endsWith('%')) c.logs.maxSize = maxSize; else report('logs.maxSize', `invalid quantity "${maxSize}" (e.g. 10Mi)`);
  }
  const maxFiles = logs['maxFiles'];
  if (maxFiles !== undefined && maxFiles !== null) {
    if (Number.isInteger(maxFiles) && (maxFiles as number) >= 1) c.logs.maxFiles = maxFiles as number; else report('logs.maxFiles', 'expected an integer >= 1');
  }
  c.logs.checkIntervalMs = dur('logs.checkInterval', logs['checkInterval'], c.logs.checkIntervalMs);
  const apiRaw = asRecord(raw['api'], 'api', report);
  const api = str('api.address', apiRaw['address']);
  if (api !== undefined) {
    try {
      parseListenAddress(api, DEFAULT_API_PORT);
      c.api = { address: api };
    } catch (err) {
      report('api.address', (err as Error).message);
    }
  }
  const group = apiRaw['readOnlyGroup'];
  if (group !== undefined && group !== null) {
    if ((typeof group === 'string' && /^[a-z_][a-z0-9_-]*\$?$/i.test(group)) || (Number.isInteger(group) && (group as number) >= 0)) c.api = { ...c.api, readOnlyGroup: group as string | number };
    else report('api.readOnlyGroup', `expected a group name or gid, got ${JSON.stringify(group)}`);
  }
  const metrics = str('metrics.address', asRecord(raw['metrics'], 'metrics', report)['address']);
  if (metrics !== undefined) {
    try { parseListenAddress(metrics); c.metrics = { address: metrics }; } catch (err) { report('metrics.address', (err as Error).message); }
  }
  const cgroupRoot = str('cgroupRoot', raw['cgroupRoot']);
  if (cgroupRoot !== undefined) {
    const problem = checkCgroupRoot(cgroupRoot);
    if (problem) report('cgroupRoot', problem); else c.cgroupRoot = cgroupRoot;
  }
  const mountPoint = str('cgroupMountPoint', raw['cgroupMountPoint']);
  if (mountPoint !== undefined) {
    if (mountPoint.startsWith('/') && !mountPoint.split('/').includes('..')) c.cgroupMountPoint = mountPoint.replace(/(.)\/+$/, '$1');
    else report('cgroupMountPoint', `expected an absolute path without '..', got ${JSON.stringify(mountPoint)}`);
  }
  const trimMs = dur('memoryTrimInterval', raw['memoryTrimInterval'], c.memoryTrimIntervalMs);
  // Outside this a timer would fire every millisecond (node clamps below 1 ms and above 2^31-1).
  if (trimMs === 0 || (trimMs >= 1000 && trimMs <= 24 * 3_600_000)) c.memoryTrimIntervalMs = trimMs;
  else report('memoryTrimInterval', `expected 0 (off) or a duration from 1s to 24h, got ${JSON.stringify(raw['memoryTrimInterval'])}`);
  return c;
}

function asRecord(v: unknown, path: string, report: Report): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  report(path, 'expected a mapping');
  return {};
}

function resolveEviction(v: unknown, report: Report): Record<string, string> {
  const out: Record<string, string> = { ...DEFAULT_CONFIG.evictionHard };
  for (const [signal, threshold] of Object.entries(asRecord(v, 'evictionHard', report))) {
    const path = `evictionHard.${signal}`;
    const keys = ['evictionHard', signal];
    if (!EVICTION_SIGNALS.includes(signal)) { report('evictionHard', `unsupported eviction signal "${signal}": supported: ${EVICTION_SIGNALS.join(', ')}`, 'error', keys); continue; }
    if (typeof threshold !== 'string' || !QUANTITY_RE.test(threshold)) { report(path, `invalid threshold ${JSON.stringify(threshold)}: use a quantity (100Mi) or a percentage (10%)`, 'error', keys); continue; }
    out[signal] = threshold;
  }
  return out;
}

/** registerWithTaints: a list of {key, value, effect}, each checked as `hostds taint` checks its arguments. */
function resolveTaints(v: unknown, report: Report): Taint[] {
  if (!Array.isArray(v)) { report('registerWithTaints', 'expected a list of taints ({key, value, effect})'); return []; }
  const out: Taint[] = [];
  v.forEach((item, i) => {
    const path = `registerWithTaints[${i}]`;
    const at = (field: string): string[] => ['registerWithTaints', String(i), field];
    const t = asRecord(item, path, report);
    const key = t['key'];
    const value = t['value'] ?? '';
    const effect = t['effect'];
    if (typeof key !== 'string' || isQualifiedName(key).length > 0) {
      report(`${path}.key`, typeof key === 'string' ? `invalid taint key "${key}": ${isQualifiedName(key).join('; ')}` : 'required: a taint key', 'error', at('key')); return;
    }
    if (typeof value !== 'string' || isValidLabelValue(value).length > 0) {
      report(`${path}.value`, typeof value === 'string' ? `invalid taint value "${value}": ${isValidLabelValue(value).join('; ')}` : 'expected a string', 'error', at('value')); return;
    }
    if (typeof effect !== 'string' || !TAINT_EFFECTS.includes(effect as TaintEffect)) {
      report(`${path}.effect`, `Unsupported value: ${JSON.stringify(effect)}: supported values: ${TAINT_EFFECTS.map((e) => `"${e}"`).join(', ')}`, 'error', at('effect')); return;
    }
    out.push({ key, ...(value === '' ? {} : { value }), effect: effect as TaintEffect });
  });
  return out;
}
