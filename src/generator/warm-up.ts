import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool, type Dispatcher } from 'undici';

/**
 * Warms the HTTP client before the clock starts: a few thousand requests to
 * a throwaway server in this process on loopback, never to the target. The
 * first requests of a cold process run undici's parser (WASM compile) and
 * our send path in the interpreter; at 5,000 req/s that made the first
 * second's p50 latency 120 ms against nginx, which is the tool's cost, not
 * the target's, and it is a tenth of a 10-second run's samples.
 */
export async function warmUpHttpClient(requests = 3000, concurrency = 64): Promise<void> {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: concurrency });
  let sent = 0;
  await new Promise<void>((resolve) => {
    let done = 0;
    const one = (): void => {
      if (sent >= requests) return;
      sent++;
      const handler: Dispatcher.DispatchHandler = {
        onConnect: () => undefined,
        onHeaders: () => true,
        onData: () => true,
        onComplete: () => { if (++done === requests) resolve(); else one(); },
        onError: () => { if (++done === requests) resolve(); else one(); },
      };
      pool.dispatch({ path: '/warm-up', method: 'GET', headers: { 'user-agent': 'shadowtwin-warm-up' } }, handler);
    };
    for (let i = 0; i < concurrency; i++) one();
  });
  await pool.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
