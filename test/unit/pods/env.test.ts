import { describe, expect, test } from 'vitest';
import type { EnvVar } from '../../../src/manifest/types.js';
import { buildArgv, buildContainerEnv, resolveFieldRef } from '../../../src/pods/env.js';

const pod = { name: 'fluentd-bcd29', namespace: 'kube-system', uid: 'u-1', labels: { app: 'fluentd' } };
const base = { PATH: '/usr/bin:/bin', HOME: '/root' };

function envOf(env: EnvVar[], extra: { podIP?: string } = {}): Record<string, string> {
  return buildContainerEnv({ container: { env }, pod, nodeName: 'node1', hostIP: '10.0.0.5', baseEnv: base, ...extra });
}

function field(name: string, fieldPath: string): EnvVar {
  return { name, valueFrom: { fieldRef: { fieldPath } } };
}

describe('buildContainerEnv', () => {
  test.each([
    { name: 'no env keeps baseEnv', env: [], want: base },
    { name: 'a plain value', env: [{ name: 'A', value: 'x' }], want: { ...base, A: 'x' } },
    { name: 'a value refers to an earlier entry', env: [{ name: 'A', value: 'x' }, { name: 'B', value: '$(A)-y' }], want: { ...base, A: 'x', B: 'x-y' } },
    { name: 'a later entry is not visible yet', env: [{ name: 'B', value: '$(A)' }, { name: 'A', value: 'x' }], want: { ...base, A: 'x', B: '$(A)' } },
    { name: 'baseEnv is not a source for $(VAR)', env: [{ name: 'P', value: '$(PATH)' }], want: { ...base, P: '$(PATH)' } },
    { name: 'an entry overrides baseEnv', env: [{ name: 'PATH', value: '/opt/bin' }], want: { ...base, PATH: '/opt/bin' } },
    { name: 'a redefinition sees the earlier value', env: [{ name: 'A', value: 'x' }, { name: 'A', value: '$(A)$(A)' }], want: { ...base, A: 'xx' } },
    { name: '$$ escapes', env: [{ name: 'A', value: '$$(HOME)' }], want: { ...base, A: '$(HOME)' } },
    { name: 'an empty value is set to empty', env: [{ name: 'E', value: '' }], want: { ...base, E: '' } },
    { name: 'fieldRef metadata.name', env: [field('N', 'metadata.name')], want: { ...base, N: 'fluentd-bcd29' } },
    { name: 'fieldRef metadata.namespace', env: [field('N', 'metadata.namespace')], want: { ...base, N: 'kube-system' } },
    { name: 'fieldRef metadata.uid', env: [field('N', 'metadata.uid')], want: { ...base, N: 'u-1' } },
    { name: 'fieldRef a label', env: [field('N', "metadata.labels['app']")], want: { ...base, N: 'fluentd' } },
    { name: 'fieldRef a missing label is empty', env: [field('N', "metadata.labels['nope']")], want: { ...base, N: '' } },
    { name: 'fieldRef spec.nodeName', env: [field('N', 'spec.nodeName')], want: { ...base, N: 'node1' } },
    { name: 'fieldRef status.hostIP', env: [field('N', 'status.hostIP')], want: { ...base, N: '10.0.0.5' } },
    { name: 'fieldRef status.hostIPs is the one IP', env: [field('N', 'status.hostIPs')], want: { ...base, N: '10.0.0.5' } },
    { name: 'fieldRef status.podIP is the host IP', env: [field('N', 'status.podIP')], want: { ...base, N: '10.0.0.5' } },
    { name: 'fieldRef status.podIPs is the host IP', env: [field('N', 'status.podIPs')], want: { ...base, N: '10.0.0.5' } },
    { name: 'an unsupported fieldRef is skipped', env: [field('N', 'spec.serviceAccountName')], want: base },
    { name: 'secretKeyRef is skipped', env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }], want: base },
    { name: 'configMapKeyRef does not clobber baseEnv', env: [{ name: 'HOME', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }], want: base },
    { name: 'a fieldRef value feeds a later $(VAR)', env: [field('NODE', 'spec.nodeName'), { name: 'URL', value: 'http://$(NODE):8080' }], want: { ...base, NODE: 'node1', URL: 'http://node1:8080' } },
  ])('$name', ({ env, want }) => {
    expect(envOf(env as EnvVar[])).toEqual(want);
  });

  test('an explicit podIP wins over the host IP', () => {
    expect(envOf([field('IP', 'status.podIP')], { podIP: '192.168.1.2' }).IP).toBe('192.168.1.2');
  });

  test('resolveFieldRef answers undefined for unknown paths', () => {
    expect(resolveFieldRef('status.phase', { pod, nodeName: 'n', hostIP: '1.2.3.4' })).toBeUndefined();
  });
});

describe('buildArgv', () => {
  const env = { ...base, A: 'x', EMPTY: '' };
  test.each([
    { name: 'command then args', c: { command: ['/bin/sh', '-c'], args: ['echo hi'] }, want: ['/bin/sh', '-c', 'echo hi'] },
    { name: 'args alone', c: { args: ['a'] }, want: ['a'] },
    { name: 'nothing', c: {}, want: [] },
    { name: 'command and args both expand', c: { command: ['run-$(A)'], args: ['--a=$(A)'] }, want: ['run-x', '--a=x'] },
    { name: 'the final env includes baseEnv', c: { command: ['$(HOME)/bin/d'] }, want: ['/root/bin/d'] },
    { name: 'undefined stays literal', c: { command: ['$(NOPE)'] }, want: ['$(NOPE)'] },
    { name: 'escaped reference stays', c: { args: ['$$(A)'] }, want: ['$(A)'] },
    { name: 'shell syntax is not expanded', c: { args: ['$A ${A}'] }, want: ['$A ${A}'] },
    { name: 'empty value expands to empty', c: { args: ['[$(EMPTY)]'] }, want: ['[]'] },
  ])('$name', ({ c, want }) => {
    expect(buildArgv(c, env)).toEqual(want);
  });
});
