// The CLI's side of the control socket: HTTP over a unix socket, no dependencies, short timeouts
// (a hung agent must not hang `hostds get`).
import http from 'node:http';

export interface ApiResponse {
  status: number;
  body: string;
}

export function requestSocket(socket: string, method: string, path: string, timeoutMs = 3000): Promise<ApiResponse | undefined> {
  return new Promise((resolve) => {
    const req = http.request({ socketPath: socket, method, path, timeout: timeoutMs, headers: { accept: 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => { req.destroy(); resolve(undefined); });
    // No socket or nobody listening: the agent is not running; callers fall back to the files.
    // Not root: the read-only socket of api.readOnlyGroup, if this user may open it.
    req.on('error', (err: NodeJS.ErrnoException) => {
      const ro = socket.replace(/hostds\.sock$/, 'hostds-ro.sock');
      if (err.code === 'EACCES' && ro !== socket) void requestSocket(ro, method, path, timeoutMs).then(resolve);
      else resolve(undefined);
    });
    req.end();
  });
}

export async function getJson<T>(socket: string, path: string): Promise<T | undefined> {
  const r = await requestSocket(socket, 'GET', path);
  if (!r || r.status !== 200) return undefined;
  try {
    return JSON.parse(r.body) as T;
  } catch {
    return undefined;
  }
}
