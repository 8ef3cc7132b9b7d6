import { describe, expect, test } from 'vitest';
import { measurementFamilies } from '../../../src/observe/metrics-view.js';
import type { Measurement } from '../../../src/host/conditions.js';

const m: Measurement = {
  atMs: Date.parse('2024-05-01T10:00:00Z'),
  memory: { availableBytes: 512, capacityBytes: 1024, source: 'meminfo' },
  nodefs: [{ path: '/var/lib/hostds', mountPoint: '/', availableBytes: 10, capacityBytes: 100, inodesFree: 5, inodesTotal: 50 }],
  pids: { available: 30000, max: 32768, source: 'pid_max' },
};

describe('condition measurements as gauges', () => {
  const families = measurementFamilies(m);
  const value = (name: string): unknown => families.find((f) => f.name === name)?.samples;
  test.each([
    { name: 'hostds_node_memory_available_bytes', want: [{ labels: {}, value: 512 }] },
    { name: 'hostds_node_memory_capacity_bytes', want: [{ labels: {}, value: 1024 }] },
    { name: 'hostds_nodefs_available_bytes', want: [{ labels: { path: '/var/lib/hostds', mountpoint: '/' }, value: 10 }] },
    { name: 'hostds_nodefs_inodes_free', want: [{ labels: { path: '/var/lib/hostds', mountpoint: '/' }, value: 5 }] },
    { name: 'hostds_node_pids_available', want: [{ labels: {}, value: 30000 }] },
    { name: 'hostds_node_measurement_timestamp_seconds', want: [{ labels: {}, value: Date.parse('2024-05-01T10:00:00Z') / 1000 }] },
  ])('$name', ({ name, want }) => {
    expect(value(name)).toEqual(want);
  });
  test('nothing measured yet: no samples at all (never a made-up 0)', () => {
    expect(measurementFamilies(undefined).flatMap((f) => f.samples)).toEqual([]);
  });
});
