// `?watch=true`: a stream of {type, object} lines. The agent keeps no change log, so a watch polls
// the view and sends what differs by resourceVersion. A list's resourceVersion names the set of
// objects it returned (kept for the last few lists), so a watch that follows a list, as kubectl's
// reflectors and `get -w` do, starts from that set and repeats nothing.
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Item, Json } from './kube-objects.js';
import { buildTable } from './kube-discovery.js';
import type { KubeApi, Route } from './kube.js';

/** key → the object as last sent. */
type Known = Map<string, Item>;

const KEPT_LISTS = 16;
const MAX_WATCH_SECONDS = 3600;

function keyOf(o: Json): string {
  const meta = o['metadata'] as Json;
  return `${String(meta['namespace'] ?? '')}/${String(meta['name'])}`;
}

function rvOf(o: Json): string {
  return String((o['metadata'] as Json)['resourceVersion']);
}

export class WatchVersions {
  private next = 1;
  private readonly lists = new Map<string, Known>();

  /** Remembers which objects, at which versions, this list returned; its resourceVersion names that. */
  record(items: readonly Item[]): string {
    const rv = String(this.next++);
    this.lists.set(rv, indexItems(items));
    if (this.lists.size > KEPT_LISTS) this.lists.delete(this.lists.keys().next().value!);
    return rv;
  }

  baseline(rv: string | null): Known | undefined {
    return rv === null ? undefined : this.lists.get(rv);
  }
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Json;
}

function indexItems(items: readonly Item[]): Known {
  return new Map(items.map((i) => [keyOf(i.object), i]));
}

/** What changed from `before` to `items`, by resourceVersion; pure. */
export function diffItems(before: Known, items: readonly Item[]): { event: WatchEvent; item: Item }[] {
  const events: { event: WatchEvent; item: Item }[] = [];
  const now = indexItems(items);
  for (const [key, item] of now) {
    const old = before.get(key);
    if (old === undefined) events.push({ event: { type: 'ADDED', object: item.object }, item });
    else if (rvOf(old.object) !== rvOf(item.object)) events.push({ event: { type: 'MODIFIED', object: item.object }, item });
  }
  for (const [key, item] of before) if (!now.has(key)) events.push({ event: { type: 'DELETED', object: item.object }, item });
  return events;
}

export async function watchItems(api: KubeApi, route: Route, params: URLSearchParams, table: boolean, res: ServerResponse, signal: AbortSignal, pollMs: number): Promise<void> {
  const timeout = Number(params.get('timeoutSeconds') ?? MAX_WATCH_SECONDS);
  const deadline = performance.now() + 1000 * Math.min(MAX_WATCH_SECONDS, Number.isFinite(timeout) && timeout > 0 ? timeout : MAX_WATCH_SECONDS);
  let known: Known = api.versions.baseline(params.get('resourceVersion')) ?? new Map();
  let items = (await api.items(route, params)).items;
  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
  // A watch with nothing to report yet must still answer now: clients wait for the headers.
  res.flushHeaders();
  for (;;) {
    for (const { event, item } of diffItems(known, items)) {
      const object = table ? buildTable(route.def, [item], params.get('includeObject'), rvOf(event.object)) : event.object;
      res.write(JSON.stringify({ type: event.type, object }) + '\n');
    }
    known = indexItems(items);
    const left = deadline - performance.now();
    if (left <= 0 || signal.aborted) break;
    try {
      await sleep(Math.min(pollMs, left), undefined, { signal });
    } catch {
      break;
    }
    items = (await api.items(route, params)).items;
  }
  res.end();
}
