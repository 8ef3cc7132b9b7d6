import { describe, expect, test } from 'vitest';
import { buildHeaders, PROBE_USER_AGENT } from '../../../src/probes/run-http.js';
import { CappedBuffer, describeDialError, formatDuration, joinHostPort } from '../../../src/probes/run-util.js';

describe('buildHeaders (request.go rules)', () => {
  test.each([
    { name: 'none → kube-probe User-Agent and Accept */*', pairs: [] as [string, string][], headers: { 'User-Agent': PROBE_USER_AGENT, Accept: '*/*' }, host: undefined },
    { name: 'own User-Agent kept, any case', pairs: [['user-agent', 'mine/1']] as [string, string][], headers: { 'user-agent': 'mine/1', Accept: '*/*' }, host: undefined },
    { name: 'own Accept kept', pairs: [['Accept', 'application/json']] as [string, string][], headers: { Accept: 'application/json', 'User-Agent': PROBE_USER_AGENT }, host: undefined },
    { name: 'Accept "" removes it', pairs: [['Accept', '']] as [string, string][], headers: { 'User-Agent': PROBE_USER_AGENT }, host: undefined },
    { name: 'Host becomes the request host, not a header', pairs: [['Host', 'svc.local']] as [string, string][], headers: { 'User-Agent': PROBE_USER_AGENT, Accept: '*/*' }, host: 'svc.local' },
    { name: 'repeats become a list', pairs: [['X-A', '1'], ['x-a', '2']] as [string, string][], headers: { 'X-A': ['1', '2'], 'User-Agent': PROBE_USER_AGENT, Accept: '*/*' }, host: undefined },
  ])('$name', ({ pairs, headers, host }) => {
    expect(buildHeaders(pairs)).toEqual({ headers, host });
  });

  test('the User-Agent looks like the kubelet\'s', () => {
    expect(PROBE_USER_AGENT).toMatch(/^kube-probe\/1\.\d+$/);
  });
});

describe('Go-style wording', () => {
  test.each([
    { ms: 500, want: '500ms' }, { ms: 1_000, want: '1s' }, { ms: 1_500, want: '1.5s' }, { ms: 90_000, want: '1m30s' },
  ])('formatDuration($ms) = $want', ({ ms, want }) => {
    expect(formatDuration(ms)).toBe(want);
  });

  test.each([
    { code: 'ECONNREFUSED', host: '127.0.0.1', want: 'dial tcp 127.0.0.1:80: connect: connection refused' },
    { code: 'ECONNREFUSED', host: '::1', want: 'dial tcp [::1]:80: connect: connection refused' },
    { code: 'EHOSTUNREACH', host: '10.0.0.1', want: 'dial tcp 10.0.0.1:80: connect: no route to host' },
    { code: 'ENOTFOUND', host: 'nope.invalid', want: 'dial tcp: lookup nope.invalid: no such host' },
  ])('describeDialError($code, $host)', ({ code, host, want }) => {
    expect(describeDialError(Object.assign(new Error('x'), { code }), host, 80)).toBe(want);
  });

  test('joinHostPort brackets IPv6 only', () => {
    expect([joinHostPort('::1', 1), joinHostPort('[::1]', 1), joinHostPort('a', 1)]).toEqual(['[::1]:1', '[::1]:1', 'a:1']);
  });
});

describe('CappedBuffer', () => {
  test('keeps the first bytes, reports when full', () => {
    const b = new CappedBuffer(5);
    expect(b.push(Buffer.from('abc'))).toBe(true);
    expect(b.push(Buffer.from('defg'))).toBe(false);
    expect(b.push(Buffer.from('h'))).toBe(false);
    expect(b.text()).toBe('abcde');
  });
});
