import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/common/index.js';
import { useCleanup } from '../helpers/servers.js';
import { waitUntil } from '../helpers/wait.js';

/** A raw client connection: everything it reads, and when it closed. */
async function rawClient(proxy: string): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const { hostname, port } = new URL(proxy);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.on('data', (d: Buffer) => { received += d.toString('latin1'); });
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  await new Promise<void>((r) => socket.once('connect', () => r()));
  return { socket, received: () => received, closed };
}

describe('sidecar drain', () => {
  const { server, sidecar } = useCleanup();

  it('answers requests that arrive on open keep-alive connections while draining 503 ST_ERR_PROXY_SHUTTING_DOWN, without forwarding them', async () => {
    const seen: string[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => { release = r; });
    const primary = await server((req, res) => {
      seen.push(req.url!);
      if (req.url === '/first') void held.then(() => res.end('first'));
      else res.end('other');
    });
    const sc = await sidecar({ primary: [primary.url], drainTimeout: '10s' });
    const records: RequestRecord[] = [];
    sc.capture.on('record', (r) => records.push(r));

    // Connection a: a request in flight (so the drain keeps the connection open).
    const a = await rawClient(sc.addresses.proxy);
    a.socket.write('GET /first HTTP/1.1\r\nHost: shop\r\n\r\n');
    // Connection b: half a request head (not idle, so not closed when the drain starts).
    const b = await rawClient(sc.addresses.proxy);
    b.socket.write('GET /late HTTP/1.1\r\nHost: shop\r\n');
    await waitUntil(() => seen.length === 1, 'the first request reached the primary');

    const stopped = sc.stop();
    // The rest of b's head, and a request pipelined on a behind its response in flight.
    b.socket.write('\r\n');
    a.socket.write('GET /pipelined HTTP/1.1\r\nHost: shop\r\n\r\n');
    await b.closed;
    expect(b.received()).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(b.received()).toMatch(/\r\nx-shadowtwin-error: ST_ERR_PROXY_SHUTTING_DOWN\r\n/i);
    expect(b.received()).toMatch(/\r\nconnection: close\r\n/i);
    await waitUntil(() => records.some((r) => r.path === '/pipelined'), 'the pipelined request was answered');
    release();
    await stopped;
    await a.closed;

    expect(seen).toEqual(['/first']);
    for (const path of ['/late', '/pipelined']) expect(records.find((r) => r.path === path)).toMatchObject({ status: 503, error: 'ST_ERR_PROXY_SHUTTING_DOWN' });
    expect(records.find((r) => r.path === '/first')).toMatchObject({ status: 200 });
    // a gets its response, marked connection: close, and then the close: a client retries what it pipelined.
    expect(a.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*connection: close\r\n\r\nfirst$/i);
  });
});
