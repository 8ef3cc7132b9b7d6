import { describe, expect, test } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../../src/config/config.js';
import { parseBoth } from './parse-both.js';

describe('config.yaml', () => {
  test('an empty file is all defaults', async () => {
    expect(await parseBoth('', 'c.yaml')).toEqual({ config: DEFAULT_CONFIG, issues: [] });
  });

  test('kubelet-named keys resolve, durations become ms', async () => {
    const { config, issues } = await parseBoth([
      'nodeName: web-01',
      'evictionHard:',
      '  memory.available: 200Mi',
      '  pid.available: "1000"',
      'evictionPressureTransitionPeriod: 3s',
      'nodeStatusUpdateFrequency: 1m30s',
      'onExit: stop',
      'restartBackoff: {initial: 0s, max: 1m}',
      'logs: {maxSize: 1Mi, maxFiles: 2}',
      'metrics: {address: "127.0.0.1:9847"}',
    ].join('\n'), 'c.yaml');
    expect(issues).toEqual([]);
    expect(config).toMatchObject({
      nodeName: 'web-01',
      evictionHard: { 'memory.available': '200Mi', 'nodefs.available': '10%', 'pid.available': '1000' },
      evictionPressureTransitionPeriodMs: 3000,
      nodeStatusUpdateFrequencyMs: 90_000,
      onExit: 'stop',
      restartBackoff: { initialMs: 0, maxMs: 60_000, resetMs: 600_000 },
      logs: { maxSize: '1Mi', maxFiles: 2 },
      metrics: { address: '127.0.0.1:9847' },
    });
  });

  test.each([
    { name: 'bad duration', text: 'evictionPressureTransitionPeriod: 5 minutes', path: 'evictionPressureTransitionPeriod', line: 1 },
    { name: 'bad onExit', text: 'onExit: restart', path: 'onExit', line: 1 },
    { name: 'bad threshold', text: 'evictionHard:\n  memory.available: lots', path: 'evictionHard.memory.available', line: 2 },
    { name: 'bad signal', text: 'evictionHard:\n  cpu.available: 1', path: 'evictionHard', line: 2 },
    { name: 'wrong type', text: 'featureLabels: "maybe"', path: 'featureLabels', line: 1 },
    { name: 'syntax', text: 'a: [', path: '', line: 1 },
    { name: 'a cgroupRoot that climbs out', text: 'cgroupRoot: /hostds/../..', path: 'cgroupRoot', line: 1 },
    { name: 'a relative cgroupRoot', text: 'cgroupRoot: hostds', path: 'cgroupRoot', line: 1 },
    { name: 'a relative cgroupMountPoint', text: 'cgroupMountPoint: sys/fs/cgroup', path: 'cgroupMountPoint', line: 1 },
    { name: 'a memoryTrimInterval without a unit', text: 'memoryTrimInterval: often', path: 'memoryTrimInterval', line: 1 },
    { name: 'a memoryTrimInterval past 24h', text: 'memoryTrimInterval: 720h', path: 'memoryTrimInterval', line: 1 },
    { name: 'a memoryTrimInterval under a second', text: 'memoryTrimInterval: 500ms', path: 'memoryTrimInterval', line: 1 },
    { name: 'a negative memoryTrimInterval', text: 'memoryTrimInterval: -10m', path: 'memoryTrimInterval', line: 1 },
  ])('$name is a positioned error', async ({ text, path, line }) => {
    const { issues } = await parseBoth(text, 'c.yaml');
    expect(issues.filter((i) => i.severity === 'error')).toMatchObject([{ path, line, file: 'c.yaml' }]);
  });

  test('cgroup keys: defaults, and values that are plain paths', async () => {
    expect((await parseBoth('', 'c.yaml')).config).toMatchObject({ cgroupRoot: '/hostds', cgroupMountPoint: '/sys/fs/cgroup' });
    const { config, issues } = await parseBoth('cgroupRoot: /system.slice/hostds.service/pods\ncgroupMountPoint: /tmp/cg/\n', 'c.yaml');
    expect(issues).toEqual([]);
    expect(config).toMatchObject({ cgroupRoot: '/system.slice/hostds.service/pods', cgroupMountPoint: '/tmp/cg' });
  });

  test.each([
    { text: '', want: 600_000 },
    { text: 'memoryTrimInterval: 30s', want: 30_000 },
    { text: 'memoryTrimInterval: 0s', want: 0 },
    { text: 'memoryTrimInterval: 0', want: 0 },
    { text: 'memoryTrimInterval: 24h', want: 86_400_000 },
    { text: 'memoryTrimInterval: 1s', want: 1000 },
  ])('memoryTrimInterval "$text" is $want ms', async ({ text, want }) => {
    const { config, issues } = await parseBoth(text, 'c.yaml');
    expect(issues).toEqual([]);
    expect(config.memoryTrimIntervalMs).toBe(want);
  });

  test('unknown keys are warnings at the key', async () => {
    const { issues } = await parseBoth('nodename: x\n', 'c.yaml');
    expect(issues).toMatchObject([{ severity: 'warning', path: 'nodename', line: 1, col: 11 }]);
  });
});

describe('config.yaml registerWithTaints', () => {
  test('taints as the kubelet registers them', async () => {
    const { config, issues } = await parseBoth([
      'registerWithTaints:',
      '- {key: dedicated, value: infra, effect: NoSchedule}',
      '- key: example.com/maintenance',
      '  effect: NoExecute',
    ].join('\n'), 'c.yaml');
    expect(issues).toEqual([]);
    expect(config.registerWithTaints).toEqual([
      { key: 'dedicated', value: 'infra', effect: 'NoSchedule' },
      { key: 'example.com/maintenance', effect: 'NoExecute' },
    ]);
  });

  test.each([
    { name: 'bad effect', text: 'registerWithTaints:\n- {key: a, effect: Never}', path: 'registerWithTaints[0].effect', line: 2, col: 20 },
    { name: 'bad key', text: 'registerWithTaints:\n- key: a\n  effect: NoSchedule\n- key: "b c"\n  effect: NoSchedule', path: 'registerWithTaints[1].key', line: 4, col: 8 },
    { name: 'bad value', text: 'registerWithTaints:\n- {key: a, value: "x y", effect: NoSchedule}', path: 'registerWithTaints[0].value', line: 2, col: 19 },
    { name: 'not a list', text: 'registerWithTaints: {key: a}', path: 'registerWithTaints', line: 1, col: 21 },
  ])('$name: positioned error', async ({ text, path, line, col }) => {
    const { issues } = await parseBoth(text, 'c.yaml');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ severity: 'error', path, line, col });
  });
});

describe('the config the .deb installs', () => {
  test('examples/root/etc/hostds/config.yaml reads the same both ways, without issues', async () => {
    const path = join(import.meta.dirname, '../../../examples/root/etc/hostds/config.yaml');
    const { issues } = await parseBoth(await readFile(path, 'utf8'), path);
    expect(issues).toEqual([]);
  });
});
