import { connect } from 'node:net';
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
