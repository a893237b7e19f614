import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/common/index.js';
import type { Sidecar } from '../../src/proxy/index.js';
import { readBody, useCleanup } from '../helpers/servers.js';

/** Sends raw bytes, returns everything the sidecar answered until it closed (or 3 s). */
function raw(proxy: string, text: string, halfClose = false): Promise<string> {
  const { port } = new URL(proxy);
  return new Promise((resolve) => {
    let got = '';
    const sock = connect(Number(port), '127.0.0.1', () => { sock.write(text); if (halfClose) sock.end(); });
    const t = setTimeout(() => { sock.destroy(); resolve(got); }, 3000);
    sock.on('data', (d) => { got += d.toString('latin1'); });
    sock.on('close', () => { clearTimeout(t); resolve(got); });
    sock.on('error', () => undefined);
  });
}

const statusOf = (response: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

function recordsOf(sc: Sidecar): RequestRecord[] {
  const out: RequestRecord[] = [];
  sc.capture.on('record', (r: RequestRecord) => out.push(r));
  return out;
}

async function settle(records: RequestRecord[], n: number): Promise<void> {
  for (let i = 0; i < 100 && records.length < n; i++) await new Promise((r) => setTimeout(r, 20));
}

/**
 * A plain 1 s timer started with the request, in the same process as the
 * sidecar: a busy machine delays it as much as the sidecar's, so comparing
 * with it measures the timeout's own error, not the machine's load.
 */
function referenceTimer(ms: number): Promise<number> {
  return new Promise((resolve) => setTimeout(() => resolve(performance.now()), ms));
}

/** Each timeout answered within 100 ms of the reference (undici's own timers are up to ~500 ms late). */
function expectOnTime(lates: number[]): void {
  expect(Math.min(...lates)).toBeGreaterThan(-50);
  expect(Math.max(...lates)).toBeLessThan(100);
}

describe('sidecar request handling: the status a client got is the status recorded', () => {
  const { server, sidecar } = useCleanup();

  it('a malformed chunked body answers 400 and is recorded as 400, not as a client abort', async () => {
    const up = await server(async (req, res) => { await readBody(req).catch(() => undefined); res.end('ok'); });
    const sc = await sidecar({ primary: [up.url] });
    const records = recordsOf(sc);
    const badSize = await raw(sc.addresses.proxy, 'POST /orders HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n');
    const badCoding = await raw(sc.addresses.proxy, 'POST /orders HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    expect(statusOf(badSize)).toBe(400);
    expect(statusOf(badCoding)).toBe(400);
    await settle(records, 1);
    await new Promise((r) => setTimeout(r, 100));
    // The bad chunk size reaches the parser inside the body, after the exchange started: it is recorded.
    expect(records.length).toBeGreaterThanOrEqual(1);
    // Each request that became an exchange is recorded with what the client got.
    for (const r of records) expect(r).toMatchObject({ status: 400, error: 'ST_ERR_PROXY_BAD_REQUEST' });
    expect(records.filter((r) => r.status === 499)).toEqual([]);
  });

  it('absolute-form targets go to the primary in origin-form; another authority is refused with 400', async () => {
    const seen: string[] = [];
    const up = await server((req, res) => { seen.push(`${req.url} host=${req.headers.host}`); res.end('ok'); });
    const sc = await sidecar({ primary: [up.url] });
    const records = recordsOf(sc);
    const same = await raw(sc.addresses.proxy, 'GET http://shop.example/users/7?x=1 HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n');
    expect(statusOf(same)).toBe(200);
    expect(seen).toEqual(['/users/7?x=1 host=shop.example']);
    const other = await raw(sc.addresses.proxy, 'GET http://other.example/ HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n');
    expect(statusOf(other)).toBe(400);
    expect(other).toContain('ST_ERR_PROXY_FOREIGN_AUTHORITY');
    expect(seen).toHaveLength(1);
    await settle(records, 2);
    expect(records.map((r) => [r.path, r.route, r.status])).toEqual([['/users/7', '/users/:id', 200], ['/', '/', 400]]);
  });

  it('CONNECT answers 405 instead of closing the socket silently', async () => {
    const up = await server((_req, res) => res.end('ok'));
    const sc = await sidecar({ primary: [up.url] });
    const res = await raw(sc.addresses.proxy, 'CONNECT other.example:443 HTTP/1.1\r\nHost: other.example:443\r\n\r\n');
    expect(statusOf(res)).toBe(405);
    expect(res.toLowerCase()).toContain('allow: ');
    expect(res).toContain('ST_ERR_PROXY_METHOD_NOT_ALLOWED');
  });

  it('upstream.responseTimeout fires within 100 ms of its setting (not on a 0.5 s tick)', async () => {
    const up = await server(() => undefined); // never answers
    const sc = await sidecar({ primary: [up.url], upstream: { responseTimeout: '1s' } });
    const records = recordsOf(sc);
    // Staggered over one tick of undici's coarse timer so a quantised timeout shows in at least one of them.
    const lates = await Promise.all(Array.from({ length: 6 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 90));
      const ref = referenceTimer(1000);
      const res = await request(`${sc.addresses.proxy}/slow/${i}`);
      await res.body.dump();
      expect(res.statusCode).toBe(504);
      return performance.now() - (await ref);
    }));
    expectOnTime(lates);
    await settle(records, 6);
    expect(records.every((r) => r.status === 504 && r.error === 'ST_ERR_PROXY_UPSTREAM_TIMEOUT')).toBe(true);
  });

  it('upstream.connectTimeout fires within 100 ms of its setting', async () => {
    // A listener whose accept queue is full: the kernel drops further SYNs, so connects hang.
    const py = spawn('python3', ['-c', 'import socket,time\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)']);
    const port = await new Promise<number>((resolve) => py.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
    const fillers: Socket[] = [];
    try {
      for (let i = 0; i < 3; i++) fillers.push(connect(port, '127.0.0.1').on('error', () => undefined));
      await new Promise((r) => setTimeout(r, 100));
      const sc = await sidecar({ primary: [`http://127.0.0.1:${port}`], upstream: { connectTimeout: '1s', ejection: { consecutiveFailures: 100 } } });
      const lates = await Promise.all(Array.from({ length: 6 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i * 90));
        const ref = referenceTimer(1000);
        const res = await request(`${sc.addresses.proxy}/c/${i}`);
        const body = await res.body.text();
        expect(res.statusCode).toBe(504);
        expect(body).toContain('ST_ERR_PROXY_UPSTREAM_TIMEOUT');
        return performance.now() - (await ref);
      }));
      expectOnTime(lates);
    } finally {
      for (const f of fillers) f.destroy();
      py.kill();
    }
  });

  it('upstream.bodyTimeout (idle between chunks) fires within 100 ms of its setting', async () => {
    const up = await server((_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.write('first chunk'); }); // then stalls
    const sc = await sidecar({ primary: [up.url], upstream: { bodyTimeout: '1s' } });
    const records = recordsOf(sc);
    const lates = await Promise.all(Array.from({ length: 6 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 90));
      const res = await request(`${sc.addresses.proxy}/stall/${i}`);
      const ref = referenceTimer(1000); // headers and the first chunk arrive together
      expect(res.statusCode).toBe(200);
      await res.body.text().then(() => undefined, () => undefined);
      return performance.now() - (await ref);
    }));
    expectOnTime(lates);
    await settle(records, 6);
    expect(records.every((r) => r.status === 200 && r.error === 'ST_ERR_PROXY_UPSTREAM_TIMEOUT')).toBe(true);
  });

  it('a slow client (backpressure) does not count as upstream idleness for bodyTimeout', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 97);
    const up = await server((_req, res) => { res.writeHead(200, { 'content-length': big.length }); res.end(big); });
    const sc = await sidecar({ primary: [up.url], upstream: { bodyTimeout: '300ms' } });
    const res = await request(`${sc.addresses.proxy}/big`, { highWaterMark: 16 * 1024 });
    await new Promise((r) => setTimeout(r, 900)); // not reading: the sidecar is paused by backpressure
    const got = Buffer.from(await res.body.arrayBuffer());
    expect(got.length).toBe(big.length);
  });
});
