// The three patch types kubectl sends (apimachinery's patch handling), as pure functions on plain
// JSON values: RFC 7386 merge patch (`label`, `annotate`), RFC 6902 JSON patch (`patch --type
// json`), and the strategic merge patch (`cordon`, `taint`, `apply`, `rollout restart|undo`) for
// the fields of DaemonSets and Nodes. Strategic merge keys come from the Go struct tags
// (`patchMergeKey`); hostds's objects have few list fields, so a table by field name suffices.
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

export const PATCH_TYPES = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
  'application/apply-patch+yaml': 'apply',
} as const;

export type PatchType = (typeof PATCH_TYPES)[keyof typeof PATCH_TYPES];

export class PatchError extends Error {}

/** A PATCH whose content type names no patch kind (415). */
export class UnsupportedMediaError extends Error {}

/** patchMergeKey of the list fields of PodSpec, Container, ObjectMeta (k8s.io/api struct tags). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name', initContainers: 'name', ephemeralContainers: 'name', env: 'name', volumes: 'name',
  volumeMounts: 'mountPath', volumeDevices: 'devicePath', ports: 'containerPort', imagePullSecrets: 'name',
  hostAliases: 'ip', topologySpreadConstraints: 'topologyKey', ownerReferences: 'uid', resourceClaims: 'name',
};

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T extends JsonValue>(v: T): T {
  return structuredClone(v);
}

export function applyPatch(target: JsonValue, patch: JsonValue, type: PatchType): JsonValue {
  if (type === 'merge') return mergePatch(target, patch);
  if (type === 'strategic') return strategicMerge(target, patch);
  if (type === 'json') return jsonPatch(target, patch);
  throw new PatchError('server-side apply is not supported by hostds; use client-side `kubectl apply` (the default) or --server-side=false');
}

/** RFC 7386: objects merge, null removes, anything else replaces. */
export function mergePatch(target: JsonValue, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

/** Strategic merge patch with its directives: $patch (replace, delete), $retainKeys, $setElementOrder, $deleteFromPrimitiveList. */
export function strategicMerge(target: JsonValue, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return clone(patch);
  const directive = patch['$patch'];
  if (directive === 'replace') return withoutDirectives(patch);
  if (directive === 'delete') return null;
  let out: JsonObject = isObject(target) ? clone(target) : {};
  const retain = patch['$retainKeys'];
  if (Array.isArray(retain)) out = Object.fromEntries(Object.entries(out).filter(([k]) => retain.includes(k)));
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) { delete out[k]; continue; }
    const current = out[k];
    if (Array.isArray(v)) out[k] = MERGE_KEYS[k] !== undefined && Array.isArray(current) ? mergeList(current, v, MERGE_KEYS[k]!) : withoutListDirectives(v);
    else if (isObject(v)) {
      const merged = strategicMerge(current ?? null, v);
      if (merged === null) delete out[k];
      else out[k] = merged;
    } else out[k] = v;
  }
  for (const [k, v] of Object.entries(patch)) {
    const del = /^\$deleteFromPrimitiveList\/(.+)$/.exec(k);
    if (del && Array.isArray(v) && Array.isArray(out[del[1]!])) out[del[1]!] = (out[del[1]!] as JsonValue[]).filter((x) => !v.includes(x));
    const order = /^\$setElementOrder\/(.+)$/.exec(k);
    if (order && Array.isArray(v) && Array.isArray(out[order[1]!])) out[order[1]!] = orderList(out[order[1]!] as JsonValue[], v, MERGE_KEYS[order[1]!]);
  }
  return out;
}

function withoutDirectives(v: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(v).filter(([k]) => !k.startsWith('$')).map(([k, x]) => [k, isObject(x) ? withoutDirectives(x) : x]));
}

function withoutListDirectives(list: JsonValue[]): JsonValue[] {
  return list.filter((x) => !(isObject(x) && x['$patch'] !== undefined)).map((x) => (isObject(x) ? withoutDirectives(x) : x));
}

function mergeList(current: JsonValue[], patch: JsonValue[], key: string): JsonValue[] {
  if (patch.some((x) => isObject(x) && x['$patch'] === 'replace' && Object.keys(x).length === 1)) return withoutListDirectives(patch);
  const out = current.map((x) => clone(x));
  for (const item of patch) {
    if (!isObject(item)) continue;
    const at = out.findIndex((x) => isObject(x) && x[key] === item[key]);
    if (item['$patch'] === 'delete') { if (at >= 0) out.splice(at, 1); continue; }
    if (at >= 0) out[at] = strategicMerge(out[at]!, item);
    else out.push(withoutDirectives(item));
  }
  return out;
}

/** $setElementOrder: the patch's order first, then anything else the list holds, in its order. */
function orderList(list: JsonValue[], order: JsonValue[], key: string | undefined): JsonValue[] {
  const keyOf = (x: JsonValue): JsonValue => (key !== undefined && isObject(x) ? x[key] ?? null : x);
  const wanted = order.map((o) => keyOf(o));
  const ranked = list.map((x, i) => ({ x, rank: wanted.indexOf(keyOf(x)), i }));
  return ranked.sort((a, b) => (a.rank < 0 ? Infinity : a.rank) - (b.rank < 0 ? Infinity : b.rank) || a.i - b.i).map((r) => r.x);
}

/** RFC 6902 with RFC 6901 pointers; any failed operation fails the whole patch. */
export function jsonPatch(target: JsonValue, ops: JsonValue): JsonValue {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be a list of operations');
  let doc = clone(target);
  for (const op of ops) {
    if (!isObject(op) || typeof op['op'] !== 'string' || typeof op['path'] !== 'string') throw new PatchError('each JSON patch operation needs "op" and "path"');
    const path = op['path'];
    switch (op['op']) {
      case 'add': doc = putAt(doc, path, op['value'] ?? null, true); break;
      case 'replace': getAt(doc, path); doc = putAt(doc, path, op['value'] ?? null, false); break;
      case 'remove': doc = removeAt(doc, path); break;
      case 'copy': doc = putAt(doc, path, clone(getAt(doc, String(op['from'])) ?? null), true); break;
      case 'move': { const v = getAt(doc, String(op['from'])); doc = putAt(removeAt(doc, String(op['from'])), path, v ?? null, true); break; }
      case 'test':
        if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(op['value'])) throw new PatchError(`test failed at ${path}`);
        break;
      default: throw new PatchError(`unknown JSON patch operation "${op['op']}"`);
    }
  }
  return doc;
}

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer "${pointer}"`);
  return pointer.slice(1).split('/').map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function getAt(doc: JsonValue, pointer: string): JsonValue {
  let v: JsonValue = doc;
  for (const t of tokens(pointer)) {
    const next: JsonValue | undefined = Array.isArray(v) ? v[Number(t)] : isObject(v) ? v[t] : undefined;
    if (next === undefined) throw new PatchError(`no value at ${pointer}`);
    v = next;
  }
  return v;
}

function parentOf(doc: JsonValue, pointer: string): { parent: JsonValue; last: string } {
  const ts = tokens(pointer);
  if (ts.length === 0) throw new PatchError('the whole document cannot be the target here');
  const last = ts.pop()!;
  return { parent: getAt(doc, ts.map((t) => '/' + t.replaceAll('~', '~0').replaceAll('/', '~1')).join('')), last };
}

function putAt(doc: JsonValue, pointer: string, value: JsonValue, insert: boolean): JsonValue {
  if (pointer === '') return value;
  const { parent, last } = parentOf(doc, pointer);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw new PatchError(`index ${last} out of range at ${pointer}`);
    parent.splice(i, insert ? 0 : 1, value);
  } else if (isObject(parent)) parent[last] = value;
  else throw new PatchError(`cannot set ${pointer}: its parent is not an object or list`);
  return doc;
}

function removeAt(doc: JsonValue, pointer: string): JsonValue {
  const { parent, last } = parentOf(doc, pointer);
  getAt(doc, pointer);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (isObject(parent)) delete parent[last];
  return doc;
}
