// The agent's side of cli/agent-get.ts: runs `hostds get` on its live view and sends back what
// the CLI would have printed, so the CLI need not load its modules nor parse a serialised view.
// The context is the one the CLI would have built (its config checked, --node-name resolved),
// so a broken config.yaml or a bad flag gives the CLI's own error.
import type { Agent } from '../agent/agent.js';
import type { AgentGetReply, AgentGetRequest } from '../cli/agent-get.js';
import { buildContext, type Io } from '../cli/context.js';
import { CliError, isUserError } from '../cli/errors.js';
import { buildLiveView } from '../cli/view.js';
import { formatCliError } from '../lib/errors.js';
import { status, type Reply } from './kube.js';

export async function answerGet(agent: Agent, query: string | null): Promise<Reply> {
  const request = parseRequest(query);
  if (request === undefined) return { code: 400, body: status(400, 'BadRequest', 'q must be the JSON of a get request') };
  const reply: AgentGetReply = { exit: 0, out: '', err: '' };
  const io: Io = { out: (s) => { reply.out += s; }, err: (s) => { reply.err += s; } };
  const { args, output, nodeName, ...opts } = request;
  try {
    const ctx = await buildContext({ root: agent.ctx.paths.root, ...(nodeName === undefined ? {} : { nodeName }), ...(output === undefined ? {} : { output }) }, io, {}, false, false);
    const { runGet } = await import('../cli/commands/get.js');
    reply.exit = await runGet(ctx, args, opts, (c) => buildLiveView(c, agent.snapshot(), agent.manifestCache, agent.currentManifests()));
  } catch (err) {
    // Not the user's error: a bug, which the CLI, asked again its own way, reports (with --debug).
    if (!isUserError(err)) throw err;
    reply.exit = err instanceof CliError ? err.exitCode : 1;
    reply.err += `${formatCliError(err)}\n`;
  }
  return { code: 200, body: reply as unknown as Record<string, unknown> };
}

function parseRequest(query: string | null): AgentGetRequest | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(query ?? '');
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (!Array.isArray(r['args']) || !r['args'].every((a) => typeof a === 'string')) return undefined;
  for (const k of ['output', 'nodeName', 'selector', 'namespace'] as const) if (r[k] !== undefined && typeof r[k] !== 'string') return undefined;
  for (const k of ['allNamespaces', 'showLabels', 'headers'] as const) if (r[k] !== undefined && typeof r[k] !== 'boolean') return undefined;
  return r as unknown as AgentGetRequest;
}
