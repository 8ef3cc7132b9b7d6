// `hostds get` answered by the running agent: the launcher tries this before it loads the CLI.
// Why: with 500 pods, `get ds` spent ~100 ms loading the CLI's modules and parsing config.yaml,
// and ~90 ms having the agent serialise its whole view (1.6 MB) and parsing it back, all to
// print a table the agent can print from memory (docs/benchmarks.md). So this module imports
// nothing but node:net and the paths, and asks the agent to run `get` on its live view and send
// back the text. Anything it is not sure of (another flag such as --config or --debug, an agent
// not running, an older agent, an error that is not the user's) returns undefined, and the full
// CLI runs as before; the agent's reply is the output that CLI would have printed.
import { connect } from 'node:net';
import { resolvePaths } from '../state/paths.js';

/** What the agent needs to run `get` as the CLI would (the CLI's GetOptions, output format). */
export interface AgentGetRequest {
  args: string[];
  output?: string;
  /** --node-name: resolved and checked by the agent as the CLI does (it names this node in `get nodes`). */
  nodeName?: string;
  selector?: string;
  namespace?: string;
  allNamespaces?: boolean;
  showLabels?: boolean;
  headers?: boolean;
}

export interface AgentGetReply {
  exit: number;
  out: string;
  err: string;
}

export const AGENT_GET_PATH = '/hostds/v1/cli/get';

/** The CLI's Io, restated: context.ts is not loaded on this path. */
interface Out { out(text: string): void; err(text: string): void }
const stdio: Out = { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s) };

const VALUE_FLAGS: Record<string, 'root' | 'nodeName' | 'output' | 'selector' | 'namespace'> = {
  '--root': 'root', '--node-name': 'nodeName', '-o': 'output', '--output': 'output', '-l': 'selector', '--selector': 'selector', '-n': 'namespace', '--namespace': 'namespace',
};
/** Flags of `get` only: before the command word they are the CLI's to reject. */
const GET_ONLY = new Set(['selector', 'namespace']);

/**
 * The argv of a plain `hostds [--root R] [--node-name N] [-o F] get RESOURCE [NAME…] [flags]`,
 * or undefined for anything else. The last of a repeated flag wins, as in commander.
 */
export function parseAgentGet(argv: readonly string[]): { root?: string; request: AgentGetRequest } | undefined {
  let command: string | undefined;
  let root: string | undefined;
  const request: AgentGetRequest = { args: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      if (command === undefined) {
        if (arg !== 'get') return undefined;
        command = arg;
      } else request.args.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const key = VALUE_FLAGS[name];
    if (key !== undefined) {
      if (GET_ONLY.has(key) && command === undefined) return undefined;
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || (eq < 0 && value.startsWith('-'))) return undefined;
      if (key === 'root') root = value;
      else request[key] = value;
      continue;
    }
    if (command === undefined || eq > 0) return undefined;
    if (arg === '-A' || arg === '--all-namespaces') request.allNamespaces = true;
    else if (arg === '--show-labels') request.showLabels = true;
    else if (arg === '--no-headers') request.headers = false;
    else return undefined; // -w, --config, --debug, -h, combined short flags…
  }
  if (command === undefined || request.args.length === 0) return undefined;
  return { ...(root === undefined ? {} : { root }), request };
}

/** The exit code once the agent's output is written, or undefined: run the full CLI. */
export async function tryAgentGet(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: Out = stdio): Promise<number | undefined> {
  const parsed = parseAgentGet(argv);
  if (parsed === undefined) return undefined;
  const paths = resolvePaths(parsed.root ?? (env['HOSTDS_ROOT'] || undefined));
  const path = `${AGENT_GET_PATH}?q=${encodeURIComponent(JSON.stringify(parsed.request))}`;
  let reply = await ask(paths.socket, path);
  if (reply === 'EACCES') reply = await ask(paths.readOnlySocket, path);
  if (typeof reply !== 'object') return undefined;
  if (reply.out !== '') io.out(reply.out);
  if (reply.err !== '') io.err(reply.err);
  return reply.exit;
}

/**
 * One HTTP/1.0 GET over the unix socket: the reply has no chunked encoding and ends when the
 * agent closes the connection, so a few lines replace node:http (~10 ms to load).
 */
function ask(socket: string, path: string, timeoutMs = 3000): Promise<AgentGetReply | 'EACCES' | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const conn = connect(socket);
    conn.setTimeout(timeoutMs, () => conn.destroy());
    // write, not end: node's HTTP server drops a request whose client half-closed before the reply.
    conn.on('connect', () => conn.write(`GET ${path} HTTP/1.0\r\nHost: hostds\r\nAccept: application/json\r\n\r\n`));
    conn.on('data', (c: Buffer) => chunks.push(c));
    conn.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EACCES' ? 'EACCES' : undefined));
    conn.on('close', () => resolve(parseReply(Buffer.concat(chunks).toString('utf8'))));
  });
}

export function parseReply(text: string): AgentGetReply | undefined {
  const head = text.indexOf('\r\n\r\n');
  if (head < 0 || !/^HTTP\/1\.[01] 200 /.test(text)) return undefined;
  try {
    const body = JSON.parse(text.slice(head + 4)) as Partial<AgentGetReply>;
    if (typeof body.exit !== 'number' || typeof body.out !== 'string' || typeof body.err !== 'string') return undefined;
    return { exit: body.exit, out: body.out, err: body.err };
  } catch {
    return undefined; // cut short (the agent stopped mid-reply): the CLI asks again its own way
  }
}
