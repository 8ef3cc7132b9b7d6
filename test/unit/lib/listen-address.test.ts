import { describe, expect, test } from 'vitest';
import { parseListenAddress } from '../../../src/lib/listen-address.js';
import { parseBoth } from '../config/parse-both.js';

describe('parseListenAddress', () => {
  test.each([
    { text: '127.0.0.1:9847', want: { host: '127.0.0.1', port: 9847 } },
    { text: '[::1]:9847', want: { host: '::1', port: 9847 } },
    { text: 'localhost:80', want: { host: 'localhost', port: 80 } },
    { text: ':9847', want: { port: 9847 } },
  ])('$text', ({ text, want }) => {
    expect(parseListenAddress(text)).toEqual(want);
  });
  test.each(['9847', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:65536', '::1:9847', '[::1]', 'host:port', ''])('%j is refused, naming the value', async (text) => {
    expect(() => parseListenAddress(text)).toThrow(`invalid listen address ${JSON.stringify(text)}`);
  });
  test('config.yaml: a bad metrics.address is an error at its line, and metrics stay off', async () => {
    const { config, issues } = await parseBoth('nodeName: h1\nmetrics:\n  address: "9847"\n', 'config.yaml');
    expect(config.metrics.address).toBeUndefined();
    expect(issues).toMatchObject([{ severity: 'error', path: 'metrics.address', line: 3 }]);
  });
});
