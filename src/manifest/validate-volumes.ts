// Volumes and volume mounts. A daemon is a host process: it sees the host's filesystem as it is,
// so only hostPath volumes mean anything, and only where mountPath equals the host path.
import { isDNS1123Label } from './k8s-names.js';
import { KNOWN, VOLUME_SOURCES } from './known-fields.js';
import { msg, type Field } from './shape.js';
import { reportNameErrors } from './validate-meta.js';

const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];
const PROPAGATION = ['None', 'HostToContainer', 'Bidirectional'] as const;
const RECURSIVE_READ_ONLY = ['Disabled', 'IfPossible', 'Enabled'] as const;
const INNER_KNOWN: Readonly<Record<string, ReadonlySet<string>>> = {
  configMap: KNOWN.configMapVolume,
  secret: KNOWN.secretVolume,
  emptyDir: KNOWN.emptyDirVolume,
};

export interface VolumeInfo {
  field: Field;
  /** The one volume source given (hostPath, configMap...), if exactly one is. */
  source?: string;
  hostPath?: string;
  /** `<mountPath> in container "<name>"`, for the warning on volumes hostds cannot provide. */
  mounts: string[];
}

export function validateVolumes(volumes: Field): Map<string, VolumeInfo> {
  const byName = new Map<string, VolumeInfo>();
  for (const v of volumes.items()) {
    if (!v.map()) continue;
    v.checkKnown(KNOWN.volume);
    const nameField = v.get('name');
    const name = nameField.str();
    if (name === undefined) {
      if (!nameField.isSet) nameField.error('required', msg.required());
    } else {
      reportNameErrors(nameField, name, isDNS1123Label(name));
      if (byName.has(name)) nameField.error('duplicate-name', msg.duplicate(name));
    }
    const info = validateVolumeSource(v);
    if (name !== undefined && !byName.has(name)) byName.set(name, info);
  }
  return byName;
}

function validateVolumeSource(v: Field): VolumeInfo {
  const present = VOLUME_SOURCES.filter((s) => v.get(s).isSet);
  if (present.length === 0) {
    v.error('required', msg.required('must specify a volume type'));
    return { field: v, mounts: [] };
  }
  if (present.length > 1) {
    v.get(present[1]!).report('forbidden', msg.forbidden('may not specify more than 1 volume type'), { atKey: true });
    return { field: v, mounts: [] };
  }
  const source = present[0]!;
  const src = v.get(source);
  if (!src.map()) return { field: v, source, mounts: [] };
  const inner = INNER_KNOWN[source];
  if (inner) src.checkKnown(inner);
  return source === 'hostPath' ? { field: v, source, mounts: [], ...validateHostPath(src) } : { field: v, source, mounts: [] };
}

function validateHostPath(hp: Field): { hostPath?: string } {
  hp.checkKnown(KNOWN.hostPath);
  const type = hp.get('type');
  const t = type.str();
  if (t !== undefined && !HOST_PATH_TYPES.includes(t)) type.error('unsupported-value', msg.unsupported(t, HOST_PATH_TYPES));
  const pathField = hp.get('path');
  const path = pathField.str();
  if (path === undefined) {
    if (!pathField.isSet) pathField.error('required', msg.required());
    return {};
  }
  if (path === '') pathField.error('required', msg.required());
  else if (hasBacksteps(path)) pathField.error('invalid-value', msg.invalid(path, "must not contain '..'"));
  return { hostPath: path };
}

function hasBacksteps(path: string): boolean {
  return path.split('/').includes('..');
}

/** Validates a container's mounts and records, per volume, where it is mounted. */
export function validateVolumeMounts(mounts: Field, volumes: Map<string, VolumeInfo>, container: string): void {
  const seen = new Set<string>();
  const readOnly: string[] = [];
  for (const m of mounts.items()) {
    if (!m.map()) continue;
    m.checkKnown(KNOWN.volumeMount);
    const mountPath = validateMountPath(m, seen);
    const vol = validateMountName(m, volumes);
    const subPath = validateSubPath(m.get('subPath'));
    m.get('subPathExpr').str();
    validateEnum(m.get('mountPropagation'), PROPAGATION);
    validateEnum(m.get('recursiveReadOnly'), RECURSIVE_READ_ONLY);
    const isReadOnly = m.get('readOnly').bool() === true;
    if (vol === undefined || mountPath === undefined) continue;
    vol.mounts.push(`${mountPath} in container ${JSON.stringify(container)}`);
    if (vol.hostPath === undefined) continue;
    const hostPath = joinPath(vol.hostPath, subPath);
    warnRemappedPath(m.get('mountPath'), mountPath, hostPath);
    if (isReadOnly) readOnly.push(hostPath);
  }
  if (readOnly.length > 0) {
    mounts.report('ignored-field', `readOnly is not enforced by hostds: the daemon can write to ${readOnly.join(', ')} ` +
      'if its user may', { warn: true, atKey: true });
  }
}

function validateMountPath(m: Field, seen: Set<string>): string | undefined {
  const f = m.get('mountPath');
  const p = f.str();
  if (p === undefined || p === '') {
    if (!f.isSet || p === '') f.error('required', msg.required());
    return undefined;
  }
  if (seen.has(p)) f.error('invalid-value', msg.invalid(p, 'must be unique'));
  seen.add(p);
  return p;
}

function validateMountName(m: Field, volumes: Map<string, VolumeInfo>): VolumeInfo | undefined {
  const f = m.get('name');
  const name = f.str();
  if (name === undefined || name === '') {
    if (!f.isSet || name === '') f.error('required', msg.required());
    return undefined;
  }
  const vol = volumes.get(name);
  if (!vol) f.error('invalid-value', msg.notFound(name));
  return vol;
}

function validateSubPath(f: Field): string {
  const s = f.str();
  if (s === undefined || s === '') return '';
  if (s.startsWith('/')) f.error('invalid-value', msg.invalid(s, 'must be a relative path'));
  else if (hasBacksteps(s)) f.error('invalid-value', msg.invalid(s, "must not contain '..'"));
  return s;
}

function validateEnum(f: Field, supported: readonly string[]): void {
  const v = f.str();
  if (v !== undefined && !supported.includes(v)) f.error('unsupported-value', msg.unsupported(v, supported));
}

function joinPath(base: string, sub: string): string {
  return sub === '' ? base : `${base.replace(/\/+$/, '')}/${sub}`;
}

function trimSlashes(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

/** hostds cannot bind-mount: a path the manifest moves elsewhere is still at its host path. */
function warnRemappedPath(f: Field, mountPath: string, hostPath: string): void {
  if (trimSlashes(mountPath) === trimSlashes(hostPath)) return;
  f.warn('ignored-field', `the daemon sees the host path ${hostPath}, not ${mountPath}: hostds runs host processes and ` +
    `does not remap paths; set mountPath: ${hostPath}, or point the program at ${hostPath}`);
}

/** One warning per volume that is not hostPath: whatever it holds will not be on the host. */
export function warnUnsupportedVolumes(volumes: Map<string, VolumeInfo>): void {
  for (const [name, vol] of volumes) {
    if (vol.source === undefined || vol.source === 'hostPath') continue;
    const where = vol.mounts.length > 0 ? `nothing will be at ${vol.mounts.join(', ')}` : 'it is not mounted by any container';
    vol.field.get(vol.source).report('ignored-field', `${vol.source} volume ${JSON.stringify(name)} is not supported by hostds ` +
      `(only hostPath volumes are): ${where}; put the files on the host and use a hostPath volume`, { warn: true, atKey: true });
  }
}
