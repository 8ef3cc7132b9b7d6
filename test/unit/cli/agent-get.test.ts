// Which command lines the launcher offers to the agent (cli/agent-get.ts): exactly the plain
// `get` forms it can answer as the CLI would; anything else goes to the whole CLI.
import { describe, expect, test } from 'vitest';
import { parseAgentGet, parseReply } from '../../../src/cli/agent-get.js';

describe('parseAgentGet', () => {
  test.each([
    { argv: ['get', 'ds'], want: { request: { args: ['ds'] } } },
    { argv: ['--root', '/r', 'get', 'ds', 'a', 'b'], want: { root: '/r', request: { args: ['ds', 'a', 'b'] } } },
    { argv: ['--root=/r', '--node-name', 'h1', 'get', 'pods', '-o', 'wide'], want: { root: '/r', request: { args: ['pods'], nodeName: 'h1', output: 'wide' } } },
    { argv: ['-o', 'json', 'get', 'ds,pods', '-o=yaml'], want: { request: { args: ['ds,pods'], output: 'yaml' } } },
    { argv: ['get', 'ds', '-l', 'team in (a,b)', '-n', 'kube-system'], want: { request: { args: ['ds'], selector: 'team in (a,b)', namespace: 'kube-system' } } },
    { argv: ['get', 'ds', '-A', '--show-labels', '--no-headers'], want: { request: { args: ['ds'], allNamespaces: true, showLabels: true, headers: false } } },
    { argv: ['get', '--all-namespaces', 'ds', '--selector=x'], want: { request: { args: ['ds'], allNamespaces: true, selector: 'x' } } },
    { argv: ['--root=', 'get', 'ds'], want: { root: '', request: { args: ['ds'] } } },
  ])('$argv is offered', ({ argv, want }) => {
    expect(parseAgentGet(argv)).toEqual(want);
  });

  test.each([
    [[]], [['get']], [['describe', 'ds', 'a']], [['version']], [['get', 'ds', '-w']], [['get', 'ds', '--watch']],
    [['--config', '/c.yaml', 'get', 'ds']], [['--debug', 'get', 'ds']], [['get', 'ds', '-h']], [['get', 'ds', '--']],
    [['-n', 'x', 'get', 'ds']], [['-l', 'a=b', 'get', 'ds']], [['get', 'ds', '-o']], [['get', 'ds', '-l', '-A']],
    [['get', 'ds', '-Al']], [['get', 'ds', '--show-labels=true']], [['get', 'ds', '-A=false']], [['--root']], [['ds', 'get']],
  ])('%j goes to the whole CLI', (argv) => {
    expect(parseAgentGet(argv)).toBeUndefined();
  });
});

describe('parseReply', () => {
  const ok = (body: string, status = '200 OK'): string => `HTTP/1.0 ${status}\r\ncontent-type: application/json\r\n\r\n${body}`;
  test.each([
    { text: ok('{"exit":0,"out":"x\\n","err":""}'), want: { exit: 0, out: 'x\n', err: '' } },
    { text: ok('{"exit":1,"out":"","err":"error: e\\n","extra":1}'), want: { exit: 1, out: '', err: 'error: e\n' } },
    { text: ok('{"exit":0,"out":"x'), want: undefined },
    { text: ok('{"exit":"0","out":"","err":""}'), want: undefined },
    { text: ok('{"kind":"Status"}', '404 Not Found'), want: undefined },
    { text: ok('{"exit":0,"out":"","err":""}', '500 Internal Server Error'), want: undefined },
    { text: '', want: undefined },
    { text: 'HTTP/1.1 200 OK\r\n', want: undefined },
  ])('$text', ({ text, want }) => {
    expect(parseReply(text)).toEqual(want);
  });
});
