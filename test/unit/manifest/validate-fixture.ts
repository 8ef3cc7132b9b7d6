// Shared by the validation tables: a minimal valid DaemonSet to mutate, and a way to assert
// that a mutation produces one specific issue (and no other error).
import { expect } from 'vitest';
import { renderPath, type IssueCode, type RawIssue, type Severity } from '../../../src/manifest/issues.js';
import { validateDaemonSet } from '../../../src/manifest/validate.js';

// Tests poke at arbitrary places of an untyped document, as YAML can.
export type Doc = any;

/** The article's ssd-monitor, made runnable on a host: valid, and free of any warning. */
export function validDaemonSet(apiVersion = 'apps/v1'): Doc {
  return {
    apiVersion,
    kind: 'DaemonSet',
    metadata: { name: 'ssd-monitor', namespace: 'default', labels: { app: 'ssd-monitor' } },
    spec: {
      selector: { matchLabels: { app: 'ssd-monitor' } },
      template: {
        metadata: { labels: { app: 'ssd-monitor' } },
        spec: {
          nodeSelector: { disk: 'ssd' },
          containers: [{
            name: 'main',
            image: 'luksa/ssd-monitor',
            command: ['/usr/local/bin/ssd-monitor'],
            args: ['--interval', '10s'],
            env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
            volumeMounts: [{ name: 'log', mountPath: '/var/log' }],
          }],
          volumes: [{ name: 'log', hostPath: { path: '/var/log', type: 'Directory' } }],
        },
      },
    },
  };
}

export const pod = (ds: Doc): Doc => ds.spec.template.spec;
export const ctr = (ds: Doc, i = 0): Doc => ds.spec.template.spec.containers[i];

export function validate(ds: unknown, apiVersion = 'apps/v1'): RawIssue[] {
  return validateDaemonSet(ds, apiVersion);
}

export function show(issues: readonly RawIssue[]): string {
  return issues.map((i) => `${i.severity} ${i.code} ${renderPath(i.path)}${i.at ? ' @key' : ''}: ${i.message}`).join('\n');
}

export interface IssueRow {
  name: string;
  mutate: (ds: Doc) => void;
  api?: string;
  code: IssueCode;
  /** Rendered path, e.g. `spec.template.spec.tolerations[0].operator`. */
  path: string;
  /** A fragment the message must contain. */
  message: string;
  severity?: Severity;
  at?: 'key';
}

/** The mutation yields the row's issue, and no error besides it. */
export function expectIssue(row: IssueRow): RawIssue {
  const ds = validDaemonSet(row.api);
  row.mutate(ds);
  const issues = validate(ds, row.api);
  const hit = issues.find((i) => i.code === row.code && renderPath(i.path) === row.path && i.message.includes(row.message));
  expect(hit, `expected ${row.code} at ${row.path} ~ ${row.message}; got:\n${show(issues)}`).toBeDefined();
  expect(hit!.severity).toBe(row.severity ?? 'error');
  if (row.at) expect(hit!.at).toBe(row.at);
  const otherErrors = issues.filter((i) => i !== hit && i.severity === 'error');
  expect(otherErrors, show(otherErrors)).toEqual([]);
  return hit!;
}

/** The mutation is valid and draws no warning either. */
export function expectClean(mutate: (ds: Doc) => void, api?: string): void {
  const ds = validDaemonSet(api);
  mutate(ds);
  const issues = validate(ds, api);
  expect(issues, show(issues)).toEqual([]);
}
