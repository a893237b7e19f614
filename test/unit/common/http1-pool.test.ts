import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { renderRequest, type Http1Response } from '../../../src/common/http1-connection.js';
import { Http1Pool } from '../../../src/common/http1-pool.js';
import { deadUrl, startServer, type TestServer } from '../../helpers/servers.js';

const servers: TestServer[] = [];
const pools: Http1Pool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) p.close();
  for (const s of servers.splice(0)) await s.close();
});

async function server(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ port: number; sockets: Set<unknown> }> {
  const sockets = new Set<unknown>();
  const s = await startServer((req, res) => { sockets.add(req.socket); handler(req, res); });
  servers.push(s);
  return { port: Number(new URL(s.url).port), sockets };
}

function pool(port: number, max: number, timeoutMs: number): Http1Pool {
  const p = new Http1Pool('127.0.0.1', port, max, timeoutMs);
  pools.push(p);
  return p;
}

type Result = { err?: string; r?: Http1Response; at: number };

function send(p: Http1Pool, port: number, path: string): Promise<Result> {
  const t0 = performance.now();
  return new Promise((resolve) => p.send(renderRequest('GET', path, `127.0.0.1:${port}`, {}, null), false, (err, status, bytes) => {
    resolve({ ...(err ? { err: err.code } : { r: { status, bytes } }), at: performance.now() - t0 });
  }));
}

describe('Http1Pool (keep-alive HTTP/1.1 connections to one origin)', () => {
  it('opens only as many connections as requests are outstanding at once, and reuses them', async () => {
    const { port, sockets } = await server((_req, res) => setTimeout(() => res.end('hello'), 2));
    const p = pool(port, 256, 5000);
    for (let round = 0; round < 20; round++) {
      const results = await Promise.all([0, 1, 2].map((i) => send(p, port, `/r${round}-${i}`)));
      for (const x of results) expect(x).toMatchObject({ r: { status: 200, bytes: 5 } });
    }
    expect(p.size).toBe(3);
    expect(sockets.size).toBe(3);
  });

  it('never opens more than its maximum: further requests wait and are served in arrival order', async () => {
    const order: string[] = [];
    const { port, sockets } = await server((req, res) => { order.push(req.url!); setTimeout(() => res.end('ok'), 5); });
    const p = pool(port, 2, 5000);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => send(p, port, `/${i}`)));
    for (const x of results) expect(x).toMatchObject({ r: { status: 200, bytes: 2 } });
    expect(sockets.size).toBe(2);
    expect(p.size).toBe(2);
    // The two connections take requests in turn, in the order they were sent.
    expect(order).toEqual(Array.from({ length: 10 }, (_, i) => `/${i}`));
  });

  it('times out requests that get no answer, also those still waiting for a connection, and replaces dropped connections', async () => {
    const { port } = await server((req, res) => { if (req.url !== '/hang') res.end('ok'); });
    const p = pool(port, 1, 200);
    const [hung, queued] = await Promise.all([send(p, port, '/hang'), send(p, port, '/hang')]);
    expect(hung.err).toBe('ST_TIMEOUT');
    expect(hung.at).toBeGreaterThanOrEqual(190);
    expect(hung.at).toBeLessThan(600);
    expect(queued.err).toBe('ST_TIMEOUT');
    // The connection that timed out was dropped; the next request gets a new one.
    expect(await send(p, port, '/fine')).toMatchObject({ r: { status: 200, bytes: 2 } });
  });

  it('reports a target that is down as refused, and fails requests in flight or waiting when closed', async () => {
    const dead = new URL(await deadUrl());
    const p = pool(Number(dead.port), 4, 5000);
    expect((await send(p, Number(dead.port), '/')).err).toBe('ECONNREFUSED');

    let arrived!: () => void;
    const arrival = new Promise<void>((r) => { arrived = r; });
    const { port } = await server(() => arrived()); // never answers
    const q = pool(port, 1, 60_000);
    const first = send(q, port, '/a');
    const second = send(q, port, '/b');
    await arrival; // /a is at the server, /b waits for the one connection
    q.close();
    expect((await first).err).toBe('UND_ERR_DESTROYED');
    expect((await second).err).toBe('UND_ERR_DESTROYED');
    expect(q.size).toBe(0);
  });

  it('reaches an IPv6 loopback origin given as a URL hostname (with brackets)', async () => {
    const { createServer } = await import('node:http');
    const v6 = createServer((_req, res) => res.end('six'));
    await new Promise<void>((r) => v6.listen(0, '::1', () => r()));
    const port = (v6.address() as { port: number }).port;
    try {
      const p = new Http1Pool(new URL(`http://[::1]:${port}`).hostname, port, 2, 5000);
      pools.push(p);
      expect(await send(p, port, '/')).toMatchObject({ r: { status: 200, bytes: 3 } });
    } finally {
      v6.closeAllConnections();
      await new Promise((r) => v6.close(() => r(undefined)));
    }
  });
});
