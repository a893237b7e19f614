import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** Starts a sidecar on port 0 (data and admin) with the given config. */
export async function startSidecar(input: Partial<SidecarConfigInput> & { primary: string[] }, options?: SidecarOptions): Promise<Sidecar> {
  const config = parseSidecarConfig({ listen: '127.0.0.1:0', admin: { listen: '127.0.0.1:0', ...(input.admin ?? {}) }, ...input });
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
