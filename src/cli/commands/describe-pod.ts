// `hostds describe pod NAME` and the Events tables of describe: kubectl's layout.
import type { HostView } from '../view.js';
import type { ContainerRecord, PodRecord } from '../../pods/types.js';
import type { HostdsEvent } from '../../observe/events.js';
import { eventsFor } from '../../observe/events.js';
import { formatMapLines, formatTable } from '../output.js';
import { podPhase } from '../../pods/display.js';
import { humanDuration } from '../../lib/duration.js';
import { effectiveTolerations } from '../../schedule/default-tolerations.js';
import { formatSet } from '../../schedule/label-selector.js';
import { formatTolerations } from './describe.js';
import type { Container } from '../../manifest/types.js';
import { describeProbe, resolveProbes } from '../../probes/spec.js';
import { listQuantities } from '../../pods/resources.js';

/** kubectl's Limits and Requests blocks; limits say whether a cgroup enforces them (requests never are). */
function resourceLines(spec: Container, c: ContainerRecord): string[] {
  const block = (title: string, q: [string, string][]): string[] => {
    if (q.length === 0) return [];
    const width = Math.max(...q.map(([k]) => k.length)) + 3;
    return [`    ${title}:`, ...q.map(([k, v]) => `      ${`${k}:`.padEnd(width)}${v}`)];
  };
  const limits = block('Limits', listQuantities(spec, 'limits'));
  if (limits.length > 0 && c.limits) {
    limits.push(c.limits.notEnforced !== undefined ? `      (not enforced: ${c.limits.notEnforced})` : `      (enforced by cgroup ${c.limits.cgroup ?? ''})`);
  }
  return [...limits, ...block('Requests', listQuantities(spec, 'requests')), ...(listQuantities(spec, 'requests').length > 0 ? ['      (requests are not enforced)'] : [])];
}

function field(label: string, value: string, width: number): string {
  return `${(label + ':').padEnd(width)}${value}`;
}

function k8sDate(iso: string | undefined): string {
  return iso ? new Date(iso).toUTCString().replace('GMT', '+0000') : '<unknown>';
}

/** kubectl's Events block: `Age` as `3m` or `3m (x5 over 10m)`. */
export function formatEvents(events: readonly HostdsEvent[], now: number): string {
  if (events.length === 0) return 'Events:                <none>';
  const rows = events.map((e) => {
    const last = humanDuration(now - Date.parse(e.lastTimestamp));
    const age = e.count > 1 ? `${last} (x${e.count} over ${humanDuration(now - Date.parse(e.firstTimestamp))})` : last;
    return [e.type, e.reason, age, 'hostds', e.message];
  });
  const table = formatTable(['Type', 'Reason', 'Age', 'From', 'Message'], [['----', '------', '----', '----', '-------'], ...rows]);
  return 'Events:\n' + table.trimEnd().split('\n').map((l) => `  ${l}`).join('\n');
}

function describeState(c: ContainerRecord): string[] {
  if (c.phase === 'running') return [`    State:          Running`, `      Started:      ${k8sDate(c.startedAt)}`];
  if (c.phase === 'waiting') return [`    State:          Waiting`, `      Reason:       ${c.reason ?? 'ContainerCreating'}`];
  const t = c.lastTerminated;
  return [`    State:          Terminated`, `      Reason:       ${c.reason ?? t?.reason ?? 'Completed'}`, `      Exit Code:    ${t?.exitCode ?? 'unknown'}`];
}

function describeLast(c: ContainerRecord): string[] {
  const t = c.lastTerminated;
  if (!t || c.phase === 'terminated') return [`    Last State:     <none>`];
  return [
    `    Last State:     Terminated`,
    `      Reason:       ${t.reason}`,
    `      Exit Code:    ${t.exitCode ?? 'unknown (the process was adopted; hostds could not see its exit status)'}`,
    ...(t.signal ? [`      Signal:       ${t.signal}`] : []),
    ...(t.startedAt ? [`      Started:      ${k8sDate(t.startedAt)}`] : []),
    `      Finished:     ${k8sDate(t.finishedAt)}`,
    ...(t.message ? [`      Message:      ${t.message}`] : []),
  ];
}

function describeContainers(pod: PodRecord, list: ContainerRecord[], init: boolean, hostIP = '127.0.0.1'): string[] {
  const specs = init ? pod.spec.initContainers ?? [] : pod.spec.containers;
  return list.flatMap((c) => {
    const spec = specs.find((s) => s.name === c.name);
    return [
      `  ${c.name}:`,
      `    Image:          ${spec?.image ?? '<none>'}`,
      ...(c.pid !== undefined ? [`    PID:            ${c.pid}`] : []),
      ...(spec?.command?.length ? ['    Command:', ...spec.command.flatMap((x) => x.replace(/\n$/, '').split('\n').map((l) => `      ${l}`))] : []),
      ...(spec?.args?.length ? ['    Args:', ...spec.args.flatMap((x) => x.replace(/\n$/, '').split('\n').map((l) => `      ${l}`))] : []),
      ...describeState(c),
      ...describeLast(c),
      `    Ready:          ${c.phase === 'running' && c.ready !== false ? 'True' : 'False'}`,
      `    Restart Count:  ${c.restartCount}`,
      ...(spec ? resourceLines(spec, c) : []),
      ...(spec && !init ? probeLines(spec, hostIP) : []),
      ...(c.message ? [`    Message:        ${c.message}`] : []),
      `    Environment:    ${spec?.env?.length ? spec.env.map((e) => e.name).join(', ') : '<none>'}`,
    ];
  });
}

export function describePod(pod: PodRecord, view: HostView, now: number): string {
  const scheduled = pod.uid !== '';
  const ip = scheduled ? view.facts.internalIP ?? '<none>' : '<none>';
  return [
    field('Name', pod.name, 18),
    field('Namespace', pod.namespace, 18),
    field('Node', scheduled ? `${view.node.view.name}/${ip}` : '<none>', 18),
    field('Start Time', k8sDate(pod.containers[0]?.startedAt ?? (scheduled ? pod.creationTimestamp : undefined)), 18),
    field('Labels', formatMapLines(pod.labels, 18), 18),
    field('Annotations', formatMapLines(pod.annotations, 18), 18),
    field('Status', pod.deletionTimestamp ? 'Terminating' : podPhase(pod), 18),
    field('IP', ip, 18),
    field('Controlled By', `DaemonSet/${pod.daemonSet.name}`, 18),
    ...(pod.initContainers.length > 0 ? ['Init Containers:', ...describeContainers(pod, pod.initContainers, true)] : []),
    'Containers:',
    ...describeContainers(pod, pod.containers, false, view.facts.internalIP),
    field('Node-Selectors', formatSet(pod.spec.nodeSelector), 18),
    field('Tolerations', formatTolerations(effectiveTolerations(pod.spec, pod.annotations ?? {}), 18), 18),
    formatEvents(eventsFor(view.events, 'Pod', pod.name, pod.namespace), now),
  ].join('\n');
}

/** kubectl's Liveness/Readiness/Startup lines: `http-get http://127.0.0.1:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3`. */
function probeLines(c: Container, hostIP: string): string[] {
  const titles = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' } as const;
  return resolveProbes(c, hostIP).specs.map((p) => `    ${`${titles[p.kind]}:`.padEnd(16)}${describeProbe(p)}`);
}
