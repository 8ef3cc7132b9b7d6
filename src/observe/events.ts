// Kubernetes-style events, kept in a bounded ring per agent: what `describe` shows under Events
// and `get events` lists. Repeats of the same reason+message for the same object are folded into
// one event with a count, as the API server's event correlator does.

export interface HostdsEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  involvedObject: { kind: 'Pod' | 'DaemonSet' | 'Node'; namespace?: string; name: string };
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
}

export const MAX_EVENTS = 1000;

export function recordEvent(ring: HostdsEvent[], e: Omit<HostdsEvent, 'firstTimestamp' | 'lastTimestamp' | 'count'>, nowIso: string): HostdsEvent[] {
  // Like the API server's correlator: a repeat of a recent event only bumps its count. The name
  // is compared first: it is what tells apart the events of many pods started together.
  const { name, kind, namespace } = e.involvedObject;
  let recent: HostdsEvent | undefined;
  for (let i = ring.length - 1, last = Math.max(0, ring.length - 50); i >= last; i--) {
    const x = ring[i]!;
    const o = x.involvedObject;
    if (o.name === name && x.reason === e.reason && x.message === e.message && x.type === e.type && o.kind === kind && o.namespace === namespace) {
      recent = x;
      break;
    }
  }
  if (recent) {
    recent.count += 1;
    recent.lastTimestamp = nowIso;
    return ring;
  }
  ring.push({ ...e, firstTimestamp: nowIso, lastTimestamp: nowIso, count: 1 });
  if (ring.length > MAX_EVENTS) ring.splice(0, ring.length - MAX_EVENTS);
  return ring;
}

export function eventsFor(ring: readonly HostdsEvent[], kind: HostdsEvent['involvedObject']['kind'], name: string, namespace?: string): HostdsEvent[] {
  return ring.filter((e) => e.involvedObject.kind === kind && e.involvedObject.name === name && (namespace === undefined || e.involvedObject.namespace === namespace));
}
