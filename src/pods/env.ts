// A container's environment and argv as the kubelet builds them (pkg/kubelet/kubelet_pods.go
// makeEnvironmentVariables, pkg/kubelet/container/helpers.go ExpandContainerCommandAndArgs).
import type { Container, EnvVar } from '../manifest/types.js';
import { expandVars, lookupIn } from './expand.js';

export interface PodIdentity {
  name: string;
  namespace: string;
  uid: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface ContainerEnvInput {
  container: Pick<Container, 'env'>;
  pod: PodIdentity;
  nodeName: string;
  hostIP: string;
  /** A host pod shares the host's network (hostNetwork semantics): defaults to hostIP. */
  podIP?: string;
  /** The agent's own variables (PATH, HOME…): the start, overridden by the container's env. */
  baseEnv: Readonly<Record<string, string>>;
}

/** The fieldRef paths a host can answer; anything else (spec.serviceAccountName…) is skipped. */
export const SUPPORTED_FIELD_PATHS: readonly string[] = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', "metadata.labels['<key>']",
  "metadata.annotations['<key>']", 'spec.nodeName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
];

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.*)'\]$/;

/** podFieldSelectorRuntimeValue: undefined for a path the host cannot answer. */
export function resolveFieldRef(fieldPath: string, input: Omit<ContainerEnvInput, 'container' | 'baseEnv'>): string | undefined {
  const podIP = input.podIP ?? input.hostIP;
  switch (fieldPath) {
    case 'metadata.name': return input.pod.name;
    case 'metadata.namespace': return input.pod.namespace;
    case 'metadata.uid': return input.pod.uid;
    case 'spec.nodeName': return input.nodeName;
    // One address on a host: the plural forms are that same single IP.
    case 'status.hostIP': case 'status.hostIPs': return input.hostIP;
    case 'status.podIP': case 'status.podIPs': return podIP;
  }
  const m = SUBSCRIPT.exec(fieldPath);
  if (m === null) return undefined;
  const map = m[1] === 'labels' ? input.pod.labels : input.pod.annotations;
  return map?.[m[2] ?? ''] ?? (map === undefined ? undefined : '');
}

/** One env entry's value, or undefined when its source is unsupported (validation warned). */
function resolveEnvVar(env: EnvVar, declared: Record<string, string>, input: ContainerEnvInput): string | undefined {
  // The kubelet treats value "" like an absent value and falls through to valueFrom.
  if (env.value !== undefined && env.value !== '') return expandVars(env.value, lookupIn(declared));
  const fieldPath = env.valueFrom?.fieldRef?.fieldPath;
  if (fieldPath !== undefined) return resolveFieldRef(fieldPath, input);
  if (env.valueFrom !== undefined) return undefined; // configMapKeyRef, secretKeyRef, resourceFieldRef
  return '';
}

/**
 * The process environment: baseEnv, then each env entry in order. A `value` expands $(VAR)
 * against this container's earlier entries only (k8s: declared env + service env; we have no
 * services), never against baseEnv, so the same manifest means the same thing in a cluster.
 */
export function buildContainerEnv(input: ContainerEnvInput): Record<string, string> {
  const declared: Record<string, string> = {};
  for (const env of input.container.env ?? []) {
    const value = resolveEnvVar(env, declared, input);
    if (value !== undefined) declared[env.name] = value;
  }
  return { ...input.baseEnv, ...declared };
}

/** command + args, each expanded against the final environment (ExpandContainerCommandAndArgs). */
export function buildArgv(container: Pick<Container, 'command' | 'args'>, env: Readonly<Record<string, string>>): string[] {
  const lookup = lookupIn(env);
  return [...(container.command ?? []), ...(container.args ?? [])].map((part) => expandVars(part, lookup));
}
