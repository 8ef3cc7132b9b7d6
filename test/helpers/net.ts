// Loopback ports for fixtures that must be told where to listen before they start.
import { createServer } from 'node:net';

/** A port free right now on 127.0.0.1 (the fixture binds it a moment later). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
