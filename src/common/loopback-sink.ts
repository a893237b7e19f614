import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Runs `fn` against a throwaway HTTP server on 127.0.0.1 (port 0) in this
 * process that reads each request body and answers `200 ok`, then closes it:
 * the target of the generator's and the sidecar's warm-ups, so warming up
 * never sends anything to a real target.
 */
export async function withLoopbackSink<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  try {
    return await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
