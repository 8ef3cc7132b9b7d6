// Pod names and template hashes as Kubernetes makes them, so `hostds get pods` reads like
// `kubectl get pods`: names from apiserver generateName (k8s.io/apiserver/pkg/storage/names)
// and controller-revision-hash from controller.ComputeHash (pkg/controller/controller_utils.go).

/** k8s.io/apimachinery/pkg/util/rand's alphabet: no vowels (no words) and no 0/1/3 (look-alikes). */
export const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const MAX_NAME_LENGTH = 63;
const RANDOM_LENGTH = 5;
/** names.MaxGeneratedNameLength: the base is cut so that base + suffix fits a DNS label. */
export const MAX_GENERATED_BASE_LENGTH = MAX_NAME_LENGTH - RANDOM_LENGTH;

/** rand.String(n): n characters of the safe alphabet, drawn with the injected rng ([0, 1)). */
export function generateRandomSuffix(length: number, rng: () => number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    // min() guards an rng that returns exactly 1.
    const index = Math.min(Math.floor(rng() * SAFE_ALPHABET.length), SAFE_ALPHABET.length - 1);
    out += SAFE_ALPHABET[Math.max(0, index)];
  }
  return out;
}

/** generateName `${dsName}-` as the apiserver expands it: base cut to 58 chars, then 5 random. */
export function generatePodName(dsName: string, rng: () => number): string {
  const base = `${dsName}-`.slice(0, MAX_GENERATED_BASE_LENGTH);
  return base + generateRandomSuffix(RANDOM_LENGTH, rng);
}

/** rand.SafeEncodeString: each character mapped into the safe alphabet (by code % 27). */
export function encodeSafeString(text: string): string {
  let out = '';
  for (const ch of text) out += SAFE_ALPHABET[(ch.codePointAt(0) ?? 0) % SAFE_ALPHABET.length];
  return out;
}

const FNV_OFFSET_32 = 0x811c9dc5;
const FNV_PRIME_32 = 0x01000193;

/** hash/fnv New32a over bytes, continuing from `hash`. */
export function hashFnv1a32(bytes: Uint8Array, hash = FNV_OFFSET_32): number {
  let h = hash;
  // Indexed: without an optimising compiler (the agent runs none) for-of allocates per byte.
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME_32) >>> 0;
  return h >>> 0;
}

/**
 * Canonical JSON: object keys sorted, undefined members dropped (as JSON.stringify does), so the
 * hash does not depend on YAML key order. k8s hashes spew's dump of the Go struct instead; we
 * cannot reproduce those bytes, so our hashes differ from a cluster's for the same template.
 */
export function serializeCanonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : serializeCanonical(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record).sort()
      .filter((k) => record[k] !== undefined && typeof record[k] !== 'function')
      .map((k) => `${JSON.stringify(k)}:${serializeCanonical(record[k])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * controller.ComputeHash: fnv-1a 32 over the template, then (when given) the collision count as
 * 8 bytes (uint32 little-endian, then 4 zero bytes, as k8s fills its 8-byte buffer), printed in
 * decimal and safe-encoded. Stable across runs and key order.
 */
const UTF8 = new TextEncoder();

export function computeTemplateHash(template: unknown, collisionCount?: number): string {
  let hash = hashFnv1a32(UTF8.encode(serializeCanonical(template)));
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    hash = hashFnv1a32(bytes, hash);
  }
  return encodeSafeString(String(hash));
}
