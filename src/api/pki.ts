// The TCP API's credentials under P/etc/hostds/pki/: a self-signed serving certificate with its
// key, and the bearer token, all created on the first start that serves api.address and kept
// (mode 0600 in a 0700 directory) so a kubeconfig written once stays valid across restarts.
// The certificate comes from `openssl req -x509`: Node has no X.509 builder, and a hand-written
// DER encoder is security code we would have to maintain; openssl runs once per host, lazily.
import { createHash, randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../state/atomic-file.js';

export interface Pki {
  dir: string;
  cert: string;
  key: string;
  token: string;
}

export function pkiDir(etc: string): string {
  return join(etc, 'pki');
}

export const PKI_FILES = { cert: 'apiserver.crt', key: 'apiserver.key', token: 'token' } as const;

/** Reads the credentials, or undefined when they were never created (no agent served api.address yet). */
export async function readPki(etc: string): Promise<Pki | undefined> {
  const dir = pkiDir(etc);
  try {
    const [cert, key, token] = await Promise.all(Object.values(PKI_FILES).map((f) => fsp.readFile(join(dir, f), 'utf8')));
    return { dir, cert: cert!, key: key!, token: token!.trim() };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The credentials, created where missing. A certificate whose SAN lacks `host` (api.address moved
 * to another IP) is made again; the token is kept, so clients only need the new CA.
 */
export async function ensurePki(etc: string, host: string, nodeName: string): Promise<Pki> {
  const dir = pkiDir(etc);
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  await fsp.chmod(dir, 0o700);
  const current = await readPki(etc).catch(() => undefined);
  const token = current?.token || await readToken(dir) || randomBytes(32).toString('base64url');
  if (!current?.token) await writeFileAtomic(join(dir, PKI_FILES.token), token + '\n', { mode: 0o600 });
  if (current && certCovers(current.cert, host)) return { ...current, token };
  const { cert, key } = await makeSelfSigned(dir, subjectAltNames(host, nodeName));
  return { dir, cert, key, token };
}

async function readToken(dir: string): Promise<string | undefined> {
  return (await fsp.readFile(join(dir, PKI_FILES.token), 'utf8').catch(() => '')).trim() || undefined;
}

/** Loopback in both families, localhost, the node's name, and the address served. */
export function subjectAltNames(host: string, nodeName: string): string[] {
  const ips = new Set(['127.0.0.1', '::1']);
  const dns = new Set(['localhost', nodeName]);
  if (/^[0-9.]+$/.test(host) || host.includes(':')) ips.add(host);
  else if (host !== '') dns.add(host);
  return [...[...dns].map((d) => `DNS:${d}`), ...[...ips].map((i) => `IP:${i}`)];
}

function certCovers(pem: string, host: string): boolean {
  try {
    const cert = new X509Certificate(pem);
    if (Date.parse(cert.validTo) < Date.now()) return false;
    return cert.checkIP(host) !== undefined || cert.checkHost(host) !== undefined;
  } catch {
    return false;
  }
}

/** ECDSA P-256, ten years: nothing rotates it, and the operator trusts it by pinning it in the kubeconfig. */
async function makeSelfSigned(dir: string, sans: string[]): Promise<{ cert: string; key: string }> {
  const keyPath = join(dir, PKI_FILES.key);
  const certPath = join(dir, PKI_FILES.cert);
  const tmpKey = `${keyPath}.new`;
  const tmpCert = `${certPath}.new`;
  const old = process.umask(0o077);
  try {
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', tmpKey, '-out', tmpCert, '-days', '3650', '-subj', '/O=hostds/CN=hostds-apiserver',
      '-addext', `subjectAltName=${sans.join(',')}`, '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,digitalSignature,keyCertSign', '-addext', 'extendedKeyUsage=serverAuth'], { timeout: 30_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    throw new Error(e.code === 'ENOENT'
      ? 'api.address needs openssl once, to make the API\'s self-signed certificate: install it (apt-get install openssl)'
      : `openssl could not make the API certificate: ${e.stderr?.trim() || e.message}`);
  } finally {
    process.umask(old);
  }
  await Promise.all([fsp.chmod(tmpKey, 0o600), fsp.chmod(tmpCert, 0o600)]);
  await fsp.rename(tmpKey, keyPath);
  await fsp.rename(tmpCert, certPath);
  return { cert: await fsp.readFile(certPath, 'utf8'), key: await fsp.readFile(keyPath, 'utf8') };
}

/**
 * `Authorization: Bearer <token>` against the token, in constant time: both sides are hashed
 * first so the comparison has equal lengths and leaks nothing about the token's length either.
 */
export function isAuthorized(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const given = createHash('sha256').update(m?.[1] ?? '').digest();
  const want = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, want) && m !== null && token !== '';
}
