// Static facts about this host, read once per command: cheap files and os.* calls only, so a
// `hostds get` stays close to `node -e 0`.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { goArch } from './builtin-labels.js';

export interface HostFacts {
  hostname: string;
  os: string;
  arch: string;
  kernelVersion: string;
  osImage: string;
  internalIP?: string;
  bootTimeMs: number;
}

export async function readHostFacts(): Promise<HostFacts> {
  const [osImage, internalIP] = await Promise.all([readOsImage(), readDefaultRouteIP()]);
  const facts: HostFacts = {
    hostname: os.hostname(),
    os: os.platform(),
    arch: goArch(process.arch),
    kernelVersion: os.release(),
    osImage,
    bootTimeMs: Date.now() - os.uptime() * 1000,
  };
  if (internalIP) facts.internalIP = internalIP;
  return facts;
}

async function readOsImage(): Promise<string> {
  for (const file of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      const text = await fsp.readFile(file, 'utf8');
      const m = /^PRETTY_NAME=(?:"([^"]*)"|(.*))$/m.exec(text);
      if (m) return (m[1] ?? m[2] ?? '').trim();
    } catch { /* try the next one */ }
  }
  return `${os.type()} ${os.release()}`;
}

/** The IPv4 address of the interface that holds the default route, as a kubelet picks its InternalIP. */
async function readDefaultRouteIP(): Promise<string | undefined> {
  let iface: string | undefined;
  try {
    const routes = (await fsp.readFile('/proc/net/route', 'utf8')).split('\n').slice(1);
    iface = routes.map((l) => l.split('\t')).find((f) => f[1] === '00000000' && f[7] === '00000000')?.[0];
  } catch { /* no /proc: fall through to any address */ }
  const all = os.networkInterfaces();
  const pick = (name: string): string | undefined => all[name]?.find((a) => a.family === 'IPv4' && !a.internal)?.address;
  if (iface) {
    const ip = pick(iface);
    if (ip) return ip;
  }
  for (const name of Object.keys(all)) {
    const ip = pick(name);
    if (ip) return ip;
  }
  return undefined;
}
