import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { deadUrl, readBody, useCleanup } from '../helpers/servers.js';
import { waitUntil } from '../helpers/wait.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('sidecar forwarding', () => {
  const { cleanup, server: upstream, sidecar } = useCleanup();

  it('forwards large streamed bodies byte-exact in both directions, with headers and x-forwarded-*', async () => {
    const download = randomBytes(8 * 1024 * 1024 + 13);
    let seen: { headers: Record<string, unknown>; bodySha: string; len: number } | undefined;
    const up = await upstream(async (req, res) => {
      const body = await readBody(req);
      seen = { headers: req.headers, bodySha: sha(body), len: body.length };
      res.writeHead(201, { 'content-type': 'application/octet-stream', 'x-custom': 'yes', 'set-cookie': ['a=1', 'b=2'] });
      // Write in uneven chunks so the proxy sees many data events.
      for (let i = 0; i < download.length; i += 65_537) res.write(download.subarray(i, i + 65_537));
      res.end();
    });
    const sc = await sidecar({ primary: [up.url] });
    const upload = randomBytes(6 * 1024 * 1024 + 7);
    // Chunked upload (no content-length): the proxy must stream it through.
    const res = await request(`${sc.addresses.proxy}/blob/1?x=1`, {
      method: 'PUT',
      body: Readable.from([upload.subarray(0, 1_000_000), upload.subarray(1_000_000)]),
      headers: { 'x-trace': 'abc' },
    });
    const got = Buffer.from(await res.body.arrayBuffer());
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-custom']).toBe('yes');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(sha(got)).toBe(sha(download));
    expect(seen!.len).toBe(upload.length);
    expect(seen!.bodySha).toBe(sha(upload));
    expect(seen!.headers['x-trace']).toBe('abc');
    expect(seen!.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen!.headers['x-forwarded-proto']).toBe('http');
    expect(seen!.headers.host).toBe(new URL(sc.addresses.proxy).host);
  });

  it('drops hop-by-hop headers, including those the client lists in Connection', async () => {
    let seen: Record<string, unknown> = {};
    const up = await upstream((req, res) => { seen = req.headers; res.end('ok'); });
    const sc = await sidecar({ primary: [up.url] });
    const { port } = new URL(sc.addresses.proxy);
    await new Promise<void>((resolve) => {
      const sock = connect(Number(port), '127.0.0.1', () => sock.write(
        'GET /h HTTP/1.1\r\nHost: a\r\nConnection: close, x-hop\r\nx-hop: drop-me\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nx-keep: yes\r\n\r\n'));
      sock.on('data', () => undefined);
      sock.on('close', () => resolve());
    });
    expect(seen['x-keep']).toBe('yes');
    expect(seen['x-hop']).toBeUndefined();
    expect(seen['keep-alive']).toBeUndefined();
    expect(seen.te).toBeUndefined();
  });

  it('answers 502 with a JSON error when the primary is down, and 504 when it is too slow', async () => {
    const sc = await sidecar({ primary: [await deadUrl()] });
    const res = await request(`${sc.addresses.proxy}/users/1`);
    expect(res.statusCode).toBe(502);
    expect(res.headers['content-type']).toBe('application/json');
    const body = (await res.body.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('ST_ERR_PROXY_UPSTREAM_UNREACHABLE');
    expect(body.error.message).toMatch(/ECONNREFUSED/);

    const slow = await upstream((_req, res) => setTimeout(() => res.end('late'), 1500));
    const sc2 = await sidecar({ primary: [slow.url], upstream: { responseTimeout: '300ms' } });
    const t0 = Date.now();
    const res2 = await request(`${sc2.addresses.proxy}/slow`);
    expect(res2.statusCode).toBe(504);
    expect(((await res2.body.json()) as { error: { code: string } }).error.code).toBe('ST_ERR_PROXY_UPSTREAM_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(1400);
  });

  it('a client that aborts aborts the upstream request', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => { upstreamClosed = r; });
    const up = await upstream((req, res) => {
      res.writeHead(200);
      res.write('partial');
      res.on('close', () => upstreamClosed());
    });
    const sc = await sidecar({ primary: [up.url] });
    const ac = new AbortController();
    const res = await request(`${sc.addresses.proxy}/stream`, { signal: ac.signal });
    expect(res.statusCode).toBe(200);
    ac.abort();
    await expect(Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('timeout'), 3000))])).resolves.toBe('closed');
    await waitUntil(() => sc.inFlight === 0, 'the sidecar let go of the aborted exchange');
  });

  it('rejects malformed requests (400), oversized headers (431) and oversized bodies (413) without forwarding', async () => {
    let hits = 0;
    const up = await upstream((_req, res) => { hits++; res.end('ok'); });
    const sc = await sidecar({ primary: [up.url], server: { maxHeaderBytes: 2048, maxBodyBytes: 1000 } });
    const { port } = new URL(sc.addresses.proxy);
    const raw = (text: string): Promise<string> => new Promise((resolve) => {
      const sock = connect(Number(port), '127.0.0.1', () => sock.write(text));
      let out = '';
      sock.on('data', (d) => { out += d.toString(); });
      sock.on('close', () => resolve(out));
      sock.on('error', () => resolve(out));
    });
    const bad = await raw('GET /x HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n');
    expect(bad).toMatch(/^HTTP\/1.1 400/);
    expect(bad).toContain('ST_ERR_PROXY_BAD_REQUEST');
    const big = await raw(`GET /x HTTP/1.1\r\nHost: a\r\nx-big: ${'a'.repeat(4000)}\r\n\r\n`);
    expect(big).toMatch(/^HTTP\/1.1 431/);
    const res = await request(`${sc.addresses.proxy}/upload`, { method: 'POST', body: Buffer.alloc(5000) });
    expect(res.statusCode).toBe(413);
    expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('ST_ERR_PROXY_BODY_TOO_LARGE');
    expect(hits).toBe(0); // none of the above reached the primary
    // Without content-length the limit is enforced while streaming: the upstream request is cut.
    const chunked = await request(`${sc.addresses.proxy}/upload`, { method: 'POST', body: Readable.from([Buffer.alloc(600), Buffer.alloc(600)]) });
    expect(chunked.statusCode).toBe(413);
    await chunked.body.dump();
    const metrics = await (await request(`${sc.addresses.admin}/metrics`)).body.text();
    expect(metrics).toMatch(/shadowtwin_proxy_client_errors_total\{reason="malformed"\} 1/);
    expect(metrics).toMatch(/shadowtwin_proxy_client_errors_total\{reason="headers_too_large"\} 1/);
  });

  it('closes slowloris connections with 408 after server.headersTimeout', async () => {
    const up = await upstream((_req, res) => res.end('ok'));
    // requestTimeout far away, so the 408 can only come from our headersTimeout wiring (Node's defaults are 60 s and 300 s).
    const sc = await sidecar({ primary: [up.url], server: { headersTimeout: '400ms', requestTimeout: '30s' } });
    const { port } = new URL(sc.addresses.proxy);
    let t0 = 0;
    const { text, closedAfter } = await new Promise<{ text: string; closedAfter: number }>((resolve) => {
      const sock = connect(Number(port), '127.0.0.1', () => { t0 = performance.now(); sock.write('GET / HTTP/1.1\r\nHost: a\r\n'); });
      let text = '';
      const drip = setInterval(() => sock.writable && sock.write('x-slow: 1\r\n'), 100);
      const guard = setTimeout(() => sock.destroy(), 10_000); // a test that fails rather than hangs
      sock.on('data', (d) => { text += d.toString(); });
      sock.on('close', () => { clearInterval(drip); clearTimeout(guard); resolve({ text, closedAfter: performance.now() - t0 }); });
    });
    expect(text).toMatch(/^HTTP\/1.1 408/);
    // Still dripping headers, so only the headers deadline can end it: not before 400 ms, and long before 30 s.
    expect(closedAfter).toBeGreaterThanOrEqual(390);
    expect(closedAfter).toBeLessThan(10_000);
  });

  it('passes websocket upgrades through', async () => {
    const up = await upstream((_req, res) => res.end());
    const upgraded = new Set<import('node:stream').Duplex>();
    cleanup.push(async () => { for (const s of upgraded) s.destroy(); });
    up.server.on('upgrade', (req, socket) => {
      upgraded.add(socket);
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      socket.on('data', (d: Buffer) => socket.write(Buffer.concat([Buffer.from('echo:'), d])));
    });
    const sc = await sidecar({ primary: [up.url] });
    const { port } = new URL(sc.addresses.proxy);
    const echoed = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/ws', headers: { connection: 'Upgrade', upgrade: 'websocket' } });
      req.on('upgrade', (res, socket) => {
        expect(res.statusCode).toBe(101);
        socket.once('data', (d: Buffer) => { resolve(d.toString()); socket.destroy(); });
        socket.write('hello');
      });
      req.on('error', reject);
      req.end();
    });
    expect(echoed).toBe('echo:hello');
  });
});
