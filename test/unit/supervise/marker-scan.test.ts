// The marker scan reads /proc/PID/environ as raw bytes and looks for the marker without decoding
// the rest: these rows are what it must and must not take for a marker.
import { describe, expect, test } from 'vitest';
import { markerValueIn } from '../../../src/supervise/proc.js';

const env = (...entries: string[]): Buffer => Buffer.from(entries.map((e) => `${e}\0`).join(''), 'utf8');

describe('markerValueIn', () => {
  test.each([
    ['first entry', env('HOSTDS_POD_MARKER=a/b', 'PATH=/bin'), 'a/b'],
    ['a later entry', env('PATH=/bin', 'HOME=/root', 'HOSTDS_POD_MARKER=r/p/u/c/ns%2Fds/h'), 'r/p/u/c/ns%2Fds/h'],
    ['absent', env('PATH=/bin', 'HOME=/root'), undefined],
    ['empty environ', Buffer.alloc(0), undefined],
    ['only inside another value', env('NOTE=HOSTDS_POD_MARKER=fake', 'PATH=/bin'), undefined],
    ['inside another value, then for real', env('NOTE=xHOSTDS_POD_MARKER=fake', 'HOSTDS_POD_MARKER=real'), 'real'],
    ['a longer name that ends the same', env('XHOSTDS_POD_MARKER=fake'), undefined],
    ['no trailing NUL (environ cut short)', Buffer.from('PATH=/bin\0HOSTDS_POD_MARKER=tail'), 'tail'],
    ['empty value', env('HOSTDS_POD_MARKER='), ''],
    ['non-ASCII value', env('HOSTDS_POD_MARKER=r/pød/ü'), 'r/pød/ü'],
  ])('%s', (_name, environ, want) => {
    expect(markerValueIn(environ)).toBe(want);
  });
});
