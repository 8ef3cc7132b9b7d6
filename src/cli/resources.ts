// kubectl's resource names and aliases, so `get ds`, `get daemonsets`, `get daemonset.apps`
// and `get no` all work, and a typo gets kubectl's error.
import { CliError } from './errors.js';

export type ResourceKind = 'daemonsets' | 'nodes' | 'pods' | 'events';

const ALIASES: Record<string, ResourceKind> = {
  ds: 'daemonsets', daemonset: 'daemonsets', daemonsets: 'daemonsets', 'daemonset.apps': 'daemonsets', 'daemonsets.apps': 'daemonsets', 'ds.apps': 'daemonsets',
  no: 'nodes', node: 'nodes', nodes: 'nodes',
  po: 'pods', pod: 'pods', pods: 'pods',
  ev: 'events', event: 'events', events: 'events',
};

export function resolveResource(word: string | undefined): ResourceKind {
  if (word === undefined) {
    throw new CliError('You must specify the type of resource to get. Use "hostds api-resources" for a complete list of supported resources.\n' +
      'Supported here: daemonsets (ds), nodes (no), pods (po)');
  }
  const kind = ALIASES[word.toLowerCase()];
  if (!kind) throw new CliError(`the server doesn't have a resource type "${word}"`);
  return kind;
}

/** Splits `ds/NAME` or `node/NAME` forms; returns [resource word, name?]. */
export function splitTypeName(word: string): [string, string | undefined] {
  const i = word.indexOf('/');
  return i < 0 ? [word, undefined] : [word.slice(0, i), word.slice(i + 1)];
}
