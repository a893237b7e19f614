import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { parseSidecarConfig, type SidecarConfigInput } from '../../src/common/index.js';
import { createSidecar, type Sidecar, type SidecarOptions } from '../../src/proxy/index.js';

export interface TestServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** A real HTTP server on a free loopback port. */
export async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}

/** A loopback port that nothing listens on (bound, read, closed). */
export async function deadUrl(): Promise<string> {
  const s = await startServer(() => undefined);
  await s.close();
  return s.url;
}

/** A loopback port free right now (for a process that must listen on a known port, e.g. across its restart). */
export async function freePort(): Promise<number> {
  return Number(new URL(await deadUrl()).port);
}

/** Starts a sidecar on port 0 (data and admin) with the given config. */
export async function startSidecar(input: Partial<SidecarConfigInput> & { primary: string[] }, options?: SidecarOptions): Promise<Sidecar> {
  // No warm-up unless a test asks for it: ~0.4 s per sidecar adds up over the suite (proxy-warm-up.test.ts covers it).
  const config = parseSidecarConfig({ listen: '127.0.0.1:0', admin: { listen: '127.0.0.1:0', ...(input.admin ?? {}) }, ...input, server: { warmUp: false, ...(input.server ?? {}) } });
  const sidecar = createSidecar(config, options);
  await sidecar.start();
  return sidecar;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Per-test resources closed after each test (in reverse order): a server or
 * sidecar started through these helpers never outlives its test.
 */
export function useCleanup(): {
  cleanup: Array<() => Promise<unknown>>;
  server(handler: Parameters<typeof startServer>[0]): Promise<TestServer>;
  sidecar(...args: Parameters<typeof startSidecar>): Promise<Sidecar>;
} {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  return {
    cleanup,
    async server(handler) {
      const s = await startServer(handler);
      cleanup.push(() => s.close());
      return s;
    },
    async sidecar(...args) {
      const s = await startSidecar(...args);
      cleanup.push(() => s.stop());
      return s;
    },
  };
}
