// New pods for a DaemonSet. Names are `<ds>-<5 chars>` like Kubernetes', drawn from a generator
// seeded by the DaemonSet and how many pods it has had, so the CLI without an agent shows a
// Pending pod under the very name the agent will give it (as the article's stopped scheduler does).
import type { DaemonSet } from '../manifest/types.js';
import type { ContainerRecord, PodRecord } from '../pods/types.js';
import { generatePodName } from '../pods/naming.js';

/** FNV-1a 32-bit: a stable seed from a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: a small deterministic generator in [0, 1). */
export function seededRng(seed: string): () => number {
  let a = fnv1a(seed);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function dsKey(ds: DaemonSet): string {
  return `${ds.metadata.namespace ?? 'default'}/${ds.metadata.name}`;
}

/** The name of the DaemonSet's `ordinal`-th pod on `nodeName` (0 = the first one ever created there). */
export function podNameFor(ds: DaemonSet, dsUid: string, ordinal: number, nodeName: string): string {
  // The node is part of the seed: hosts of one fleet must not all name their pods alike.
  return generatePodName(ds.metadata.name, seededRng(`${nodeName}/${dsKey(ds)}/${dsUid}/${ordinal}`));
}

function freshContainer(name: string): ContainerRecord {
  return { name, phase: 'waiting', reason: 'ContainerCreating', restartCount: 0 };
}

export interface NewPodInput {
  ds: DaemonSet;
  name: string;
  uid: string;
  templateHash: string;
  templateGeneration: number;
  nowIso: string;
}

export function buildPod(input: NewPodInput): PodRecord {
  const { ds } = input;
  const template = ds.spec.template;
  const spec = structuredClone(template.spec);
  return {
    name: input.name,
    namespace: ds.metadata.namespace ?? 'default',
    uid: input.uid,
    daemonSet: { namespace: ds.metadata.namespace ?? 'default', name: ds.metadata.name },
    templateHash: input.templateHash,
    templateGeneration: input.templateGeneration,
    labels: { ...(template.metadata?.labels ?? {}), 'controller-revision-hash': input.templateHash, 'pod-template-generation': String(input.templateGeneration) },
    ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
    spec,
    creationTimestamp: input.nowIso,
    initContainers: (spec.initContainers ?? []).map((c) => freshContainer(c.name)),
    containers: spec.containers.map((c) => freshContainer(c.name)),
  };
}
