import { describe, expect, test } from 'vitest';
import { untrustedReason } from '../../../src/state/trust.js';

describe('untrustedReason: what root may act on (sshd StrictModes)', () => {
  test.each([
    { name: 'root 0644 file', st: { uid: 0, mode: 0o100644 }, dir: false, want: undefined },
    { name: 'root 0600 file', st: { uid: 0, mode: 0o100600 }, dir: false, want: undefined },
    { name: 'world-writable file', st: { uid: 0, mode: 0o100666 }, dir: false, want: '/m.yaml is group- and world-writable (mode 0666): chmod go-w /m.yaml' },
    { name: 'group-writable file', st: { uid: 0, mode: 0o100664 }, dir: false, want: '/m.yaml is group-writable (mode 0664): chmod go-w /m.yaml' },
    { name: 'world- but not group-writable', st: { uid: 0, mode: 0o100646 }, dir: false, want: '/m.yaml is world-writable (mode 0646): chmod go-w /m.yaml' },
    { name: 'another owner', st: { uid: 1000, mode: 0o100644 }, dir: false, want: '/m.yaml is owned by uid 1000, not root: chown root /m.yaml' },
    { name: 'root 0755 directory', st: { uid: 0, mode: 0o40755 }, dir: true, want: undefined },
    { name: 'a sticky world-writable root directory (/tmp)', st: { uid: 0, mode: 0o41777 }, dir: true, want: undefined },
    { name: 'a sticky file is no exception', st: { uid: 0, mode: 0o101666 }, dir: false, want: '/m.yaml is group- and world-writable (mode 1666): chmod go-w /m.yaml' },
    { name: 'a world-writable directory', st: { uid: 0, mode: 0o40777 }, dir: true, want: '/m.yaml is group- and world-writable (mode 0777): chmod go-w /m.yaml' },
  ])('$name', ({ st, dir, want }) => {
    expect(untrustedReason(st, '/m.yaml', dir)).toBe(want);
  });
});
