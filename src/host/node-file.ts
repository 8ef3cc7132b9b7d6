// P/etc/hostds/node.yaml: this host's Node as a subset of a Kubernetes Node object
// (metadata.labels/annotations, spec.taints, spec.unschedulable). Admins and Ansible edit it by
// hand and `hostds label|taint|cordon` edit it by program, so reading never throws (a bad entry
// becomes a positioned issue and is skipped, the rest still counts) and writing goes through the
// yaml Document API under a lock, keeping comments and keys hostds does not know.
import { readFile, stat } from 'node:fs/promises';
import { readManifestFile } from '../manifest/read-file.js';
import type { Document } from 'yaml';
import yaml from '../lib/yaml-lib.cjs';
import type { ManifestIssue } from '../manifest/issues.js';
import type { Taint } from '../manifest/types.js';
import { NodeFileError } from '../lib/errors.js';
import { withFileLock, writeFileAtomic } from '../state/atomic-file.js';
import { isEmptyDocument, readNodeDocument, type TaintItem } from './node-file-read.js';

/** The part of node.yaml that hostds edits. */
export interface NodeFileState {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  taints: Taint[];
  unschedulable: boolean;
}

export interface NodeFileRead extends NodeFileState {
  /** metadata.name as written; informational (the node's name comes from config or hostname). */
  name?: string;
  creationTimestamp?: string;
  exists: boolean;
  /**
   * False when nothing could be read: YAML syntax errors, a root that is not a map, an
   * unreadable file. A long-running reader should keep its last good view rather than drop
   * every label and taint while an admin is mid-edit.
   */
  isParsed: boolean;
  issues: ManifestIssue[];
}

export interface UpdateNodeFileOptions {
  /** How long to wait for a concurrent writer. Default 10 s. */
  lockTimeoutMs?: number;
  /** metadata.name to record when the file is created. */
  nodeName?: string;
  /** Wall clock for metadata.creationTimestamp (display only). */
  now?: () => Date;
}

export interface UpdateNodeFileResult {
  /** The node as it is on disk after the call. */
  node: NodeFileState;
  written: boolean;
  /** Issues of the file as it was read (bad entries are left in place, untouched). */
  issues: ManifestIssue[];
}

export type NodeMutation = (node: NodeFileState) => NodeFileState | undefined;

interface ParsedNodeFile {
  doc: Document;
  read: NodeFileRead;
  taintItems: TaintItem[];
}

function emptyRead(exists: boolean): NodeFileRead {
  return { labels: {}, annotations: {}, taints: [], unschedulable: false, exists, isParsed: true, issues: [] };
}

function parseNodeText(text: string, file: string): ParsedNodeFile {
  const lineCounter = new (yaml().LineCounter)();
  // compat: strings that YAML 1.1 readers (Go's yaml.v2, PyYAML in Ansible) would take for
  // booleans, numbers or timestamps (`yes`, `0777`, times) are written quoted.
  // version 1.1: read `yes`/`on` as Kubernetes (go-yaml) does, like the manifests.
  const doc = yaml().parseDocument(text, { lineCounter, prettyErrors: false, version: '1.1', compat: 'yaml-1.1' });
  const read = emptyRead(true);
  const position = (offset: number): { line: number; col: number } => lineCounter.linePos(offset);
  for (const [severity, list] of [['error', doc.errors], ['warning', doc.warnings]] as const) {
    for (const e of list) {
      read.issues.push({ code: 'yaml-syntax', severity, file, ...position(e.pos[0]), path: '', message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') });
    }
  }
  if (doc.errors.length > 0) return { doc, read: { ...read, isParsed: false }, taintItems: [] };
  const taintItems = readNodeDocument(doc, read, file, position);
  return { doc, read, taintItems };
}

/** Parses node.yaml text (pure; `file` only labels the issues). */
export function parseNodeFile(text: string, file: string): NodeFileRead {
  return parseNodeText(text, file).read;
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Reads node.yaml; a missing file is an empty node. Never throws: problems come back as issues.
 * Read like a manifest (size cap, no FIFO, strict UTF-8), since it is the same kind of input.
 */
export async function readNodeFile(path: string): Promise<NodeFileRead> {
  const exists = await stat(path).then(() => true, (err: unknown) => errnoCode(err) !== 'ENOENT');
  if (!exists) return emptyRead(false);
  const r = await readManifestFile(path, path, { trusted: true });
  if (!r.ok) return { ...emptyRead(true), isParsed: false, issues: [r.issue] };
  return parseNodeFile(r.text, path);
}

function stateOf(read: NodeFileRead): NodeFileState {
  return {
    labels: { ...read.labels },
    annotations: { ...read.annotations },
    taints: read.taints.map((t) => ({ ...t })),
    unschedulable: read.unschedulable,
  };
}

function sortedEntries(record: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function canonicalTaint(t: Taint): [string, string, string, string] {
  return [t.key, t.value ?? '', t.effect, t.timeAdded ?? ''];
}

// Label order carries no meaning; taint order is shown by `describe node`, so it counts.
function isSameState(a: NodeFileState, b: NodeFileState): boolean {
  const canon = (s: NodeFileState): string => JSON.stringify([
    sortedEntries(s.labels), sortedEntries(s.annotations), s.taints.map(canonicalTaint), s.unschedulable,
  ]);
  return canon(a) === canon(b);
}

// Go's metav1.Time marshals as RFC 3339 with whole seconds.
function formatRfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Read-modify-write of node.yaml under `<path>.lock`, so concurrent `hostds label` calls never
 * lose each other's changes. `mutate` gets a copy of the current node and returns the new one,
 * or undefined for "no change" (then nothing is written). Only what changed is touched in the
 * YAML document. A file with YAML syntax errors is refused rather than rewritten.
 */
export async function updateNodeFile(
  path: string,
  mutate: NodeMutation,
  options: UpdateNodeFileOptions = {},
): Promise<UpdateNodeFileResult> {
  return withFileLock(`${path}.lock`, async () => {
    const text = await readTextIfExists(path).catch((err: unknown) => {
      const message = `cannot read: ${err instanceof Error ? err.message : String(err)}`;
      throw new NodeFileError(path, [{ code: 'unreadable', severity: 'error', file: path, line: 1, col: 1, path: '', message }]);
    });
    const parsed = parseNodeText(text ?? '', path);
    const { read } = parsed;
    if (!read.isParsed) throw new NodeFileError(path, read.issues.filter((i) => i.severity === 'error'));
    const before = stateOf(read);
    const after = mutate(stateOf(read));
    if (after === undefined || isSameState(before, after)) return { node: before, written: false, issues: read.issues };
    // Edits only (the CLI): the agent, which only reads node.yaml, never loads the writer.
    const { applyNodeState, createNodeSkeleton } = await import('./node-file-write.js');
    if (isEmptyDocument(parsed.doc)) {
      const now = (options.now ?? (() => new Date()))();
      createNodeSkeleton(parsed.doc, options.nodeName, formatRfc3339(now));
    }
    applyNodeState(parsed.doc, before, after, parsed.taintItems);
    await writeFileAtomic(path, parsed.doc.toString({ lineWidth: 0, indentSeq: false }), { mode: 0o644 });
    return { node: after, written: true, issues: read.issues };
  }, { timeoutMs: options.lockTimeoutMs ?? 10_000 });
}
