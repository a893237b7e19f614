import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { RouteStatsTable, windowFromTable, type WindowDocument } from '../../src/common/index.js';
import { Controller, parseControllerConfig, TelemetryExporter } from '../../src/control/index.js';
import { waitUntil } from '../helpers/wait.js';

const TOKEN = 'controller-test-token-0123456789';

/** A primary window of `n` requests over [end − 1 s, end) on two routes. */
function win(pod: string, end: number, n: number, role: 'primary' | 'secondary' = 'primary'): WindowDocument {
  const t = new RouteStatsTable();
  for (let i = 0; i < n; i++) t.get(i % 3 === 0 ? '/search' : '/products/:id', 'GET').record(200, 2 + (i % 7), 0, 512, false);
  return windowFromTable({ service: 'shop', pod, role }, end - 1_000, end, t);
}

async function getJson(url: string, token?: string): Promise<{ status: number; body: any }> {
  const res = await request(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
}

describe('controller', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

  async function start(dir: string): Promise<Controller> {
    const c = await Controller.start({ config: parseControllerConfig({ grpc: '127.0.0.1:0', http: '127.0.0.1:0', data: dir, token: TOKEN, windowMs: '1s' }), defaultMetrics: false });
    cleanup.push(() => c.stop());
    return c;
  }

  it('takes windows from two exporters, shows both pods and the summed rate, and serves the API only with the token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-ctl-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const c = await start(dir);
    const sources = ['shop-a', 'shop-b'].map((pod) => {
      const e = new EventEmitter();
      const x = new TelemetryExporter({ target: c.addresses.grpc, sender: `shop/${pod}`, token: TOKEN, flushIntervalMs: 100 });
      x.attach(e);
      cleanup.push(() => x.close(1_000));
      return { pod, e, x };
    });
    // Windows on the 1 s grid (as one sidecar's are), so every bucket is whole.
    const now = Math.floor(Date.now() / 1000) * 1000;
    // 20 s of history: pod a 30 req/s, pod b 20 req/s.
    for (let k = 20; k >= 1; k--) {
      sources[0]!.e.emit('window', win('shop-a', now - k * 1000, 30));
      sources[1]!.e.emit('window', win('shop-b', now - k * 1000, 20));
    }
    let last = '';
    await waitUntil(() => { last = JSON.stringify({ exporters: sources.map((s) => s.x.stats()), pods: c.fleet.pods('shop') }); return c.fleet.pods('shop').length === 2 && sources.every((s) => s.x.stats().batchesAcked >= 1); }, 'both pods reported').catch((err: Error) => { throw new Error(`${err.message}: ${last}`); });
    await waitUntil(async () => (await getJson(`${c.addresses.http}/api/v1/state`, TOKEN)).body.services[0]?.rate.current !== null, 'a current rate');
    const state = await getJson(`${c.addresses.http}/api/v1/state`, TOKEN);
    expect(state.status).toBe(200);
    const shop = state.body.services.find((s: { name: string }) => s.name === 'shop');
    expect(shop.pods.map((p: { name: string }) => p.name)).toEqual(['shop-a', 'shop-b']);
    expect(shop.rate.current).toBeGreaterThan(50 * 0.9);
    expect(shop.rate.current).toBeLessThan(50 * 1.1);
    expect(state.body.events.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(['controller-started', 'pod-joined']));
    // The stored series says the same.
    const series = await getJson(`${c.addresses.http}/api/v1/series?service=shop&from=${now - 30_000}&step=1000`, TOKEN);
    const full = series.body.points.filter((p: { rate: number }) => p.rate > 0);
    expect(full.length).toBeGreaterThanOrEqual(19);
    for (const p of full) expect(p.rate).toBeCloseTo(50, 6);
    // Without the token: 401 everywhere but /healthz.
    expect((await getJson(`${c.addresses.http}/api/v1/state`)).status).toBe(401);
    expect((await getJson(`${c.addresses.http}/metrics`)).status).toBe(401);
    expect((await getJson(`${c.addresses.http}/healthz`)).status).toBe(200);
    // Bad queries are 400/404 with the registry's codes, never a stack.
    const bad = await getJson(`${c.addresses.http}/api/v1/series?service=nope`, TOKEN);
    expect(bad.status).toBe(404);
    expect(bad.body.error.code).toBe('ST_ERR_ADMIN_NOT_FOUND');
    expect((await getJson(`${c.addresses.http}/api/v1/series?service=shop&step=abc`, TOKEN)).body.error.code).toBe('ST_ERR_ADMIN_BAD_REQUEST');
    const metrics = await request(`${c.addresses.http}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.body.text());
    expect(metrics).toMatch(/shadowtwin_controller_windows_total\{role="primary"\} 40/);
  });

  it('after a restart on the same data directory the pods, series and events are still there, and event ids continue', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-ctl-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const c1 = await Controller.start({ config: parseControllerConfig({ grpc: '127.0.0.1:0', http: '127.0.0.1:0', data: dir, token: TOKEN, windowMs: '1s' }), defaultMetrics: false });
    const now = Date.now();
    await c1.ingest({ batchId: 'b1', sender: 'shop/a', peer: 'test', windows: [win('a', now - 2_000, 10), win('a', now - 1_000, 10)] });
    const lastId = c1.events.latestId;
    await c1.stop();
    const c2 = await start(dir);
    expect(c2.fleet.pods('shop').map((p) => p.name)).toEqual(['a']);
    expect(c2.events.latestId).toBeGreaterThan(lastId);
    const events = await getJson(`${c2.addresses.http}/api/v1/events?after=0`, TOKEN);
    expect(events.body.events.map((e: { kind: string }) => e.kind)).toEqual(['controller-started', 'pod-joined', 'controller-started']);
    // A resent batch (the sidecar never got the ack) is stored once.
    await c2.ingest({ batchId: 'b1', sender: 'shop/a', peer: 'test', windows: [win('a', now - 2_000, 10), win('a', now - 1_000, 10)] });
    const series = await getJson(`${c2.addresses.http}/api/v1/series?service=shop&from=${now - 10_000}&step=1000`, TOKEN);
    expect(series.body.points.reduce((a: number, p: { rate: number }) => a + p.rate, 0)).toBeCloseTo(20, 6);
  });
});
