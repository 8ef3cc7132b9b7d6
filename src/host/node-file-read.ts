// Reading node.yaml's YAML Document: walk it into labels/taints/unschedulable, validating each
// entry as the API server would and reporting bad ones as positioned issues, so one typo costs
// one entry, not the whole file. Works on a parsed Document only (no fs).
import type { Document, Node, Pair, YAMLMap } from 'yaml';
import yaml from '../lib/yaml-lib.cjs';
import { renderPath, type FieldPath, type IssueCode, type Severity } from '../manifest/issues.js';
import { isQualifiedName, isValidLabelValue } from '../manifest/k8s-names.js';
import { TAINT_EFFECTS, type Taint, type TaintEffect } from '../manifest/types.js';
import type { NodeFileRead } from './node-file.js';

/** One `spec.taints` entry: its YAML node, and the taint when it was valid. */
export interface TaintItem {
  node: unknown;
  taint?: Taint;
}

type Position = (offset: number) => { line: number; col: number };

class IssueSink {
  constructor(private readonly read: NodeFileRead, private readonly file: string, private readonly position: Position) {}

  add(code: IssueCode, severity: Severity, path: FieldPath, node: unknown, message: string): void {
    const offset = (node as Partial<Node> | undefined)?.range?.[0] ?? 0;
    this.read.issues.push({ code, severity, file: this.file, ...this.position(offset), path: renderPath(path), message });
  }
}

function typeName(node: unknown): string {
  if (yaml().isMap(node)) return 'map';
  if (yaml().isSeq(node)) return 'list';
  if (yaml().isScalar(node)) return node.value === null ? 'null' : typeof node.value;
  return 'unknown';
}

export function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p): p is Pair => yaml().isScalar(p.key) && p.key.value !== null && String(p.key.value) === key);
}

export function stringOf(node: unknown): string | undefined {
  return yaml().isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}

/** A map field that may be absent; anything else than a map is an issue and reads as absent. */
function mapField(map: YAMLMap, key: string, path: FieldPath, sink: IssueSink): YAMLMap | undefined {
  const value = findPair(map, key)?.value;
  if (value === undefined || value === null || (yaml().isScalar(value) && value.value === null)) return undefined;
  if (yaml().isMap(value)) return value;
  sink.add('invalid-type', 'error', path, value, `Invalid type: expected a map, got ${typeName(value)}`);
  return undefined;
}

/** metadata.labels / metadata.annotations: string keys (qualified names) to string values. */
function readStringMap(map: YAMLMap | undefined, path: FieldPath, isLabel: boolean, sink: IssueSink): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of map?.items ?? []) {
    const keyNode = pair.key;
    if (!yaml().isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
      sink.add('invalid-type', 'error', path, keyNode, 'Invalid type: keys must be strings');
      continue;
    }
    const key = String(keyNode.value);
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length > 0) {
      sink.add('invalid-label', 'error', [...path, { key }], keyNode, `Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`);
      continue;
    }
    const valueNode = pair.value;
    const value = yaml().isScalar(valueNode) && valueNode.value === null ? '' : stringOf(valueNode);
    if (value === undefined) {
      const shown = yaml().isScalar(valueNode) ? `: quote it ("${String(valueNode.value)}")` : '';
      sink.add('invalid-type', 'error', [...path, { key }], valueNode, `Invalid type: must be a string, got ${typeName(valueNode)}${shown}`);
      continue;
    }
    const valueErrs = isLabel ? isValidLabelValue(value) : [];
    if (valueErrs.length > 0) {
      sink.add('invalid-label', 'error', [...path, { key }], valueNode, `Invalid value: ${JSON.stringify(value)}: ${valueErrs.join('; ')}`);
      continue;
    }
    out[key] = value;
  }
  return out;
}

function isTaintEffect(s: string): s is TaintEffect {
  return (TAINT_EFFECTS as readonly string[]).includes(s);
}

type Field = { kind: 'absent'; node: unknown } | { kind: 'string'; node: unknown; text: string } | { kind: 'other'; node: unknown };

// A field of a taint entry; an absent or null field points its issue at the entry itself.
function fieldOf(map: YAMLMap, name: string): Field {
  const node = findPair(map, name)?.value;
  if (node === undefined || node === null || (yaml().isScalar(node) && node.value === null)) return { kind: 'absent', node: map };
  const text = stringOf(node);
  return text === undefined ? { kind: 'other', node } : { kind: 'string', node, text };
}

/** One spec.taints entry, validated as the API server's validateNodeTaints would. */
function readTaint(item: unknown, path: FieldPath, sink: IssueSink): Taint | undefined {
  const fail = (code: IssueCode, at: FieldPath, node: unknown, message: string): undefined => {
    sink.add(code, 'error', at, node, message);
    return undefined;
  };
  if (!yaml().isMap(item)) return fail('invalid-type', path, item, `Invalid type: expected a map, got ${typeName(item)}`);
  const [key, value, effect, timeAdded] = ['key', 'value', 'effect', 'timeAdded'].map((n) => fieldOf(item, n)) as [Field, Field, Field, Field];
  if (key.kind === 'absent' || (key.kind === 'string' && key.text === '')) return fail('required', [...path, 'key'], key.node, 'Required value');
  if (key.kind === 'other') return fail('invalid-type', [...path, 'key'], key.node, `Invalid type: must be a string, got ${typeName(key.node)}`);
  const keyErrs = isQualifiedName(key.text);
  if (keyErrs.length > 0) return fail('invalid-value', [...path, 'key'], key.node, `Invalid value: ${JSON.stringify(key.text)}: ${keyErrs.join('; ')}`);
  if (value.kind === 'other') return fail('invalid-type', [...path, 'value'], value.node, `Invalid type: must be a string, got ${typeName(value.node)}`);
  const valueText = value.kind === 'string' ? value.text : '';
  const valueErrs = isValidLabelValue(valueText);
  if (valueErrs.length > 0) return fail('invalid-value', [...path, 'value'], value.node, `Invalid value: ${JSON.stringify(valueText)}: ${valueErrs.join('; ')}`);
  if (effect.kind === 'absent' || (effect.kind === 'string' && effect.text === '')) return fail('required', [...path, 'effect'], effect.node, 'Required value');
  if (effect.kind === 'other' || !isTaintEffect(effect.text)) {
    const shown = effect.kind === 'string' ? JSON.stringify(effect.text) : typeName(effect.node);
    return fail('unsupported-value', [...path, 'effect'], effect.node,
      `Unsupported value: ${shown}: supported values: ${TAINT_EFFECTS.map((e) => `"${e}"`).join(', ')}`);
  }
  const taint: Taint = { key: key.text, effect: effect.text };
  if (valueText !== '') taint.value = valueText;
  // A bad time must not drop the taint (that would let daemons start that it keeps out): keep it, time unknown.
  if (timeAdded.kind === 'other' || (timeAdded.kind === 'string' && Number.isNaN(Date.parse(timeAdded.text)))) {
    sink.add('invalid-value', 'warning', [...path, 'timeAdded'], timeAdded.node,
      'Invalid value: must be an RFC 3339 time, e.g. "2024-05-01T10:00:00Z"; the taint applies, its time is ignored');
  } else if (timeAdded.kind === 'string') taint.timeAdded = timeAdded.text;
  return taint;
}

function readTaints(spec: YAMLMap | undefined, read: NodeFileRead, sink: IssueSink): TaintItem[] {
  const node = spec === undefined ? undefined : findPair(spec, 'taints')?.value;
  if (node === undefined || node === null || (yaml().isScalar(node) && node.value === null)) return [];
  if (!yaml().isSeq(node)) {
    sink.add('invalid-type', 'error', ['spec', 'taints'], node, `Invalid type: expected a list, got ${typeName(node)}`);
    return [];
  }
  return node.items.map((item, i): TaintItem => {
    const taint = readTaint(item, ['spec', 'taints', i], sink);
    if (taint === undefined) return { node: item };
    const dup = read.taints.some((t) => t.key === taint.key && t.effect === taint.effect);
    if (dup) {
      sink.add('duplicate-name', 'error', ['spec', 'taints', i], item,
        `Duplicate value: "${taint.key}:${taint.effect}": taints must be unique by key and effect pair`);
      return { node: item };
    }
    read.taints.push(taint);
    return { node: item, taint };
  });
}

/** No content at all (empty file, only comments, or a bare `~`). */
export function isEmptyDocument(doc: Document): boolean {
  return doc.contents === null || (yaml().isScalar(doc.contents) && doc.contents.value === null);
}

/** Fills `read` from the document; returns the taint entries so a writer can keep their nodes. */
export function readNodeDocument(doc: Document, read: NodeFileRead, file: string, position: Position): TaintItem[] {
  const sink = new IssueSink(read, file, position);
  const root = doc.contents;
  if (isEmptyDocument(doc)) return [];
  if (!yaml().isMap(root)) {
    sink.add('not-an-object', 'error', [], root, `expected a Node object (a map), got ${typeName(root)}`);
    read.isParsed = false;
    return [];
  }
  const apiVersion = stringOf(findPair(root, 'apiVersion')?.value);
  if (apiVersion !== undefined && apiVersion !== 'v1') {
    sink.add('unsupported-api-version', 'warning', ['apiVersion'], findPair(root, 'apiVersion')?.value,
      `Unsupported value: ${JSON.stringify(apiVersion)}: supported values: "v1"`);
  }
  const kind = stringOf(findPair(root, 'kind')?.value);
  if (kind !== undefined && kind !== 'Node') {
    sink.add('unknown-kind', 'warning', ['kind'], findPair(root, 'kind')?.value, `Unsupported value: ${JSON.stringify(kind)}: supported values: "Node"`);
  }
  const metadata = mapField(root, 'metadata', ['metadata'], sink);
  const name = metadata === undefined ? undefined : stringOf(findPair(metadata, 'name')?.value);
  if (name !== undefined) read.name = name;
  const created = metadata === undefined ? undefined : stringOf(findPair(metadata, 'creationTimestamp')?.value);
  if (created !== undefined) read.creationTimestamp = created;
  const labels = metadata === undefined ? undefined : mapField(metadata, 'labels', ['metadata', 'labels'], sink);
  read.labels = readStringMap(labels, ['metadata', 'labels'], true, sink);
  const annotations = metadata === undefined ? undefined : mapField(metadata, 'annotations', ['metadata', 'annotations'], sink);
  read.annotations = readStringMap(annotations, ['metadata', 'annotations'], false, sink);
  const spec = mapField(root, 'spec', ['spec'], sink);
  const unschedulable = spec === undefined ? undefined : findPair(spec, 'unschedulable')?.value;
  if (yaml().isScalar(unschedulable) && typeof unschedulable.value === 'boolean') read.unschedulable = unschedulable.value;
  else if (unschedulable !== undefined && !(yaml().isScalar(unschedulable) && unschedulable.value === null)) {
    sink.add('invalid-type', 'error', ['spec', 'unschedulable'], unschedulable, `Invalid type: must be true or false, got ${typeName(unschedulable)}`);
  }
  return readTaints(spec, read, sink);
}
