// Writing a changed node state back into node.yaml's YAML Document: only what differs is
// touched, so comments, unknown keys and entries hostds could not read survive an edit.
// Works on a Document only (no fs); node-file.ts does the locked read and atomic write.
import { isMap, isScalar, isSeq, Pair, YAMLMap, YAMLSeq, type Document, type Scalar } from 'yaml';
import type { Taint } from '../manifest/types.js';
import type { NodeFileState } from './node-file.js';
import { findPair, stringOf, type TaintItem } from './node-file-read.js';

/** The header of a node.yaml that hostds creates. */
export function createNodeSkeleton(doc: Document, name: string | undefined, creationTimestamp: string): void {
  const metadata = name === undefined ? { creationTimestamp } : { name, creationTimestamp };
  doc.contents = doc.createNode({ apiVersion: 'v1', kind: 'Node', metadata }) as YAMLMap;
}

/** The map at `path`, created (or replacing a non-map, which was reported when read) as needed. */
function ensureMap(doc: Document, path: readonly string[]): YAMLMap {
  let map = doc.contents as YAMLMap;
  for (const key of path) {
    const pair = findPair(map, key);
    if (pair !== undefined && isMap(pair.value)) {
      map = pair.value;
      continue;
    }
    const child = new YAMLMap();
    if (pair === undefined) map.items.push(new Pair(doc.createNode(key), child));
    else pair.value = child;
    map = child;
  }
  return map;
}

function removeKey(map: YAMLMap, key: string): void {
  const pair = findPair(map, key);
  if (pair !== undefined) map.items.splice(map.items.indexOf(pair), 1);
}

// A new value node that keeps the comments of the one it replaces.
function replaceScalar(doc: Document, old: unknown, value: string | boolean): Scalar {
  const node = doc.createNode(value) as Scalar;
  if (isScalar(old)) {
    if (old.comment !== undefined) node.comment = old.comment;
    if (old.commentBefore !== undefined) node.commentBefore = old.commentBefore;
  }
  return node;
}

function setScalar(doc: Document, map: YAMLMap, key: string, value: string | boolean): void {
  const pair = findPair(map, key);
  if (pair === undefined) map.items.push(new Pair(doc.createNode(key), doc.createNode(value)));
  else pair.value = replaceScalar(doc, pair.value, value);
}

// Drop a container the edit emptied, unless a comment hangs on it.
function removeIfEmpty(doc: Document, parentPath: readonly string[], key: string): void {
  const parent = ensureMap(doc, parentPath);
  const child = findPair(parent, key)?.value;
  const isEmpty = (isMap(child) || isSeq(child)) && child.items.length === 0 && !child.comment && !child.commentBefore;
  if (isEmpty) removeKey(parent, key);
}

function syncStringMap(doc: Document, parentPath: readonly string[], key: string,
  before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): void {
  const removed = Object.keys(before).filter((k) => !Object.prototype.hasOwnProperty.call(after, k));
  const changed = Object.entries(after).filter(([k, v]) => !Object.prototype.hasOwnProperty.call(before, k) || before[k] !== v);
  if (removed.length === 0 && changed.length === 0) return;
  const map = ensureMap(doc, [...parentPath, key]);
  for (const k of removed) removeKey(map, k);
  for (const [k, v] of changed) setScalar(doc, map, k, v);
  removeIfEmpty(doc, parentPath, key);
}

function taintFields(t: Taint): Record<string, string> {
  const out: Record<string, string> = { key: t.key };
  if (t.value !== undefined && t.value !== '') out.value = t.value;
  out.effect = t.effect;
  if (t.timeAdded !== undefined) out.timeAdded = t.timeAdded;
  return out;
}

// Reuse the entry's map so its comments and unknown fields stay; rewrite only what differs.
function updateTaintNode(doc: Document, node: YAMLMap, t: Taint): void {
  const fields = taintFields(t);
  for (const name of ['key', 'value', 'effect', 'timeAdded']) {
    const want = fields[name];
    if (want === undefined) removeKey(node, name);
    else if (stringOf(findPair(node, name)?.value) !== want) setScalar(doc, node, name, want);
  }
}

// yaml hangs a comment above the first entry on the list itself; when that entry moves
// down (kubectl puts added taints first), the comment moves with the entry it describes.
function keepLeadingComment(seq: YAMLSeq, out: readonly unknown[]): void {
  const first = seq.items[0];
  if (seq.commentBefore === undefined || first === undefined || out[0] === first || !out.includes(first)) return;
  if (!isMap(first) || first.commentBefore !== undefined) return;
  first.commentBefore = seq.commentBefore;
  delete seq.commentBefore;
}

/**
 * Writes the new taint list in its order: a taint that was already there keeps its YAML entry
 * (matched by key and effect), new ones get fresh entries, and entries that could not be read
 * stay at the end so a hand-edit with a typo is never silently deleted.
 */
function syncTaints(doc: Document, items: readonly TaintItem[], next: readonly Taint[]): void {
  const used = new Set<TaintItem>();
  const out: unknown[] = [];
  for (const t of next) {
    const item = items.find((i) => i.taint !== undefined && !used.has(i) && i.taint.key === t.key && i.taint.effect === t.effect);
    if (item === undefined) {
      out.push(doc.createNode(taintFields(t)));
      continue;
    }
    used.add(item);
    updateTaintNode(doc, item.node as YAMLMap, t);
    out.push(item.node);
  }
  for (const i of items) if (i.taint === undefined) out.push(i.node);
  const spec = ensureMap(doc, ['spec']);
  const pair = findPair(spec, 'taints');
  if (out.length === 0) removeKey(spec, 'taints');
  else if (pair !== undefined && isSeq(pair.value)) {
    keepLeadingComment(pair.value, out);
    pair.value.items = out;
  } else {
    const seq = new YAMLSeq();
    seq.items = out;
    if (pair === undefined) spec.items.push(new Pair(doc.createNode('taints'), seq));
    else pair.value = seq;
  }
}

function sameTaints(a: readonly Taint[], b: readonly Taint[]): boolean {
  const canon = (l: readonly Taint[]): string => JSON.stringify(l.map(taintFields));
  return canon(a) === canon(b);
}

/** Applies the difference between `before` and `after` to the document, touching nothing else. */
export function applyNodeState(doc: Document, before: NodeFileState, after: NodeFileState, taintItems: readonly TaintItem[]): void {
  syncStringMap(doc, ['metadata'], 'labels', before.labels, after.labels);
  syncStringMap(doc, ['metadata'], 'annotations', before.annotations, after.annotations);
  if (!sameTaints(before.taints, after.taints)) syncTaints(doc, taintItems, after.taints);
  if (before.unschedulable !== after.unschedulable) {
    const spec = ensureMap(doc, ['spec']);
    if (after.unschedulable) setScalar(doc, spec, 'unschedulable', true);
    else removeKey(spec, 'unschedulable');
  }
  if (!sameTaints(before.taints, after.taints) || before.unschedulable !== after.unschedulable) removeIfEmpty(doc, [], 'spec');
}
