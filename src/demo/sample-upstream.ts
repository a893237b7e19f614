import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small service that behaves like a real API for demos and tests: a few
 * routes with ids, JSON bodies of varying size, a write endpoint that
 * echoes, and latency with a tail. Not for production use.
 */
export function createSampleUpstream(opts: { name?: string; baseLatencyMs?: number } = {}): Server {
  const name = opts.name ?? 'primary';
  const base = opts.baseLatencyMs ?? 2;
  return createServer((req, res) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    // Exponential-ish latency: mostly `base`, sometimes 10x (a realistic tail).
    const latency = base * (Math.random() < 0.02 ? 10 : 0.5 + Math.random());
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => setTimeout(() => {
      let status = 200;
      let body: unknown;
      if (path === '/health') body = { ok: true, service: name };
      else if (/^\/users\/\d+$/.test(path)) body = { id: Number(path.split('/')[2]), name: 'user', service: name };
      else if (/^\/users\/\d+\/orders$/.test(path)) body = { orders: Array.from({ length: 5 + (Number(path.split('/')[2]) % 20) }, (_, i) => ({ id: i, total: i * 3.5 })) };
      else if (path === '/products') body = { products: Array.from({ length: 20 }, (_, i) => ({ sku: `p-${i}`, price: i + 0.99 })) };
      else if (path === '/checkout' && req.method === 'POST') body = { ok: true, received: Buffer.concat(chunks).length };
      else if (path === '/echo') body = { method: req.method, bytes: Buffer.concat(chunks).length };
      else { status = 404; body = { error: 'not found' }; }
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-served-by': name });
      res.end(text);
    }, latency));
  });
}

export function listenOn(server: Server, port = 0, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(`http://${host}:${(server.address() as AddressInfo).port}`);
    });
  });
}
