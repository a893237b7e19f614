import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/common/index.js';
import { useCleanup } from '../helpers/servers.js';

/** Resolves with a one-shot event's argument. */
function once<T>(register: (cb: (v: T) => void) => void): Promise<T> {
  return new Promise((resolve) => register(resolve));
}

/** Fails with `what` instead of hanging until the test timeout. */
function within<T>(p: Promise<T>, what: string, ms = 5000): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => { t = setTimeout(() => reject(new Error(what)), ms); })]).finally(() => clearTimeout(t));
}

describe('a client that goes away', () => {
  const { server, sidecar } = useCleanup();

  it('before the response is recorded as 499 ST_CLIENT_ABORTED, and the upstream request is cancelled', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => { upstreamClosed = r; });
    let arrived!: () => void;
    const arrival = new Promise<void>((r) => { arrived = r; });
    const up = await server((req) => {
      // Never answers: only the client's leaving can end this exchange.
      req.socket.on('close', () => upstreamClosed());
      arrived();
    });
    const sc = await sidecar({ primary: [up.url] });
    const record = once<RequestRecord>((cb) => sc.capture.once('record', cb));
    const { port } = new URL(sc.addresses.proxy);
    const sock = connect(Number(port), '127.0.0.1', () => sock.write('GET /users/7 HTTP/1.1\r\nHost: a\r\n\r\n'));
    sock.on('error', () => undefined);
    await arrival;
    sock.destroy();
    const r = await within(record, 'no record for the aborted request');
    expect(r).toMatchObject({ method: 'GET', path: '/users/7', status: 499, error: 'ST_CLIENT_ABORTED', resBytes: 0 });
    await within(closed, 'the upstream request was not cancelled'); // the sidecar let go of the upstream exchange rather than waiting for an answer that no one reads
    expect(sc.histograms().primary.find((x) => x.route === '/users/:id')?.status).toEqual({ 499: 1 });
  });

  it('mid-response is recorded as 499 too (docs/errors.md: before the response finished), with the bytes it got', async () => {
    let arrived!: () => void;
    const arrival = new Promise<void>((r) => { arrived = r; });
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => { upstreamClosed = r; });
    const up = await server((req, res) => {
      req.socket.on('close', () => upstreamClosed());
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('x'.repeat(1000));
      arrived(); // and the rest never comes
    });
    const sc = await sidecar({ primary: [up.url] });
    const record = once<RequestRecord>((cb) => sc.capture.once('record', cb));
    const { port } = new URL(sc.addresses.proxy);
    let got = '';
    const sock = connect(Number(port), '127.0.0.1', () => sock.write('GET /stream HTTP/1.1\r\nHost: a\r\n\r\n'));
    sock.on('error', () => undefined);
    await arrival;
    await new Promise<void>((r) => sock.on('data', (d) => { got += d.toString(); if (got.includes('x'.repeat(1000))) r(); }));
    sock.destroy();
    const r = await within(record, 'no record for the aborted request');
    expect(got).toMatch(/^HTTP\/1\.1 200/);
    expect(r).toMatchObject({ path: '/stream', status: 499, error: 'ST_CLIENT_ABORTED', resBytes: 1000 });
    await within(closed, 'the upstream request was not cancelled');
  });
});
