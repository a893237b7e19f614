import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { RouteStatsTable, windowFromTable, type WindowDocument } from '../../src/common/index.js';
import { Controller, parseControllerConfig, RunManager, type TelemetryBatch } from '../../src/control/index.js';
import { startServer, type TestServer } from '../helpers/servers.js';
import { waitUntil } from '../helpers/wait.js';

const TOKEN = 'runs-test-token-0123456789abcdef';

async function call(method: 'GET' | 'POST', url: string, body?: unknown, token: string | undefined = TOKEN, raw?: string): Promise<{ status: number; body: any }> {
  const res = await request(url, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
}

/** A secondary that counts what it receives: arrival times and paths. */
async function countingServer(): Promise<TestServer & { arrivals: number[]; paths: string[] }> {
  const arrivals: number[] = [];
  const paths: string[] = [];
  const s = await startServer((req, res) => {
    arrivals.push(Date.now());
    paths.push(req.url ?? '');
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  return Object.assign(s, { arrivals, paths });
}

/** Recent primary traffic of shop over [end − 1 s, end): /products/:id twice as often as /search. */
function liveWindow(end: number): WindowDocument {
  const t = new RouteStatsTable();
  for (let i = 0; i < 30; i++) t.get(i % 3 === 0 ? '/search' : '/products/:id', 'GET').record(200, 2, 0, 100, false);
  return windowFromTable({ service: 'shop', pod: 'shop-1', role: 'primary' }, end - 1000, end, t);
}

function rateIn(arrivals: number[], from: number, to: number): number {
  return arrivals.filter((t) => t >= from && t < to).length / ((to - from) / 1000);
}

describe('controller load runs (HTTP)', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

  async function setup(extra: Record<string, unknown> = {}): Promise<{ c: Controller; secondary: Awaited<ReturnType<typeof countingServer>>; primary: TestServer; api: string }> {
    const secondary = await countingServer();
    cleanup.push(() => secondary.close());
    const primary = await startServer((_req, res) => res.end('primary'));
    cleanup.push(() => primary.close());
    const dir = mkdtempSync(join(tmpdir(), 'st-runs-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const c = await Controller.start({
      config: parseControllerConfig({
        grpc: '127.0.0.1:0', http: '127.0.0.1:0', data: dir, token: TOKEN, windowMs: '1s',
        services: [{ name: 'shop', secondary: secondary.url, primary: [primary.url] }], ...extra,
      }),
      defaultMetrics: false,
    });
    cleanup.push(() => c.stop());
    return { c, secondary, primary, api: `${c.addresses.http}/api/v1` };
  }

  it('starts a run, doubles its rate within about a second (measured at the secondary), stops it, stores its windows and report', async () => {
    const { c, secondary, api } = await setup();
    const scenario = { target: secondary.url, duration: '60s', load: { executor: 'constant-rate', rate: 40 }, source: { path: '/load' }, http: { connections: 8 } };
    const started = await call('POST', `${api}/runs/start`, { scenario, service: 'shop' });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const id: string = started.body.id;
    expect(started.body).toMatchObject({ service: 'shop', target: secondary.url, status: 'running', multiplier: 1, baseRate: 40 });

    // Two full seconds at the started rate, then ×2.
    await waitUntil(() => secondary.arrivals.length > 0, 'the first request');
    const t0 = secondary.arrivals[0]!;
    await waitUntil(() => Date.now() >= t0 + 3_000, 'three seconds of load', 10_000);
    const tAdjust = Date.now();
    const adjusted = await call('POST', `${api}/runs/adjust?id=${id}&factor=2`);
    expect(adjusted.status, JSON.stringify(adjusted.body)).toBe(200);
    expect(adjusted.body.multiplier).toBe(2);
    await waitUntil(() => Date.now() >= tAdjust + 3_000, 'three seconds after the adjustment', 10_000);
    const before = rateIn(secondary.arrivals, tAdjust - 2_000, tAdjust);
    // The new rate from one second after the adjustment (it takes effect within 1 s).
    const after = rateIn(secondary.arrivals, tAdjust + 1_000, tAdjust + 3_000);
    expect(before).toBeGreaterThan(40 * 0.8);
    expect(before).toBeLessThan(40 * 1.2);
    expect(after / before).toBeGreaterThan(1.7);
    expect(after / before).toBeLessThan(2.3);

    // The state document and the list show it running, with its rates.
    const state = await call('GET', `${api}/state`);
    const shown = state.body.runs.find((r: { id: string }) => r.id === id);
    expect(shown).toMatchObject({ service: 'shop', status: 'running', multiplier: 2 });
    expect(shown.achievedRate).toBeGreaterThan(0);
    expect(shown.intendedRate).toBeGreaterThan(0);

    // The report is not there before the run ends.
    expect((await call('GET', `${api}/runs/report?id=${id}`)).body.error.code).toBe('ST_ERR_CONTROL_RUN_NOT_FOUND');
    const stopped = await call('POST', `${api}/runs/stop?id=${id}`);
    expect(stopped.status).toBe(200);
    expect(['stopping', 'finished']).toContain(stopped.body.status);
    await waitUntil(async () => (await call('GET', `${api}/runs`)).body.runs.find((r: { id: string }) => r.id === id)?.status === 'finished', 'the run finished');
    const report = await call('GET', `${api}/runs/report?id=${id}`);
    expect(report.status).toBe(200);
    expect(report.body.kind).toBe('shadowtwin.run-report');
    expect(report.body.meta.runId).toBe(id);
    expect(report.body.meta.interrupted).toBe(true);
    // Every request the secondary saw is in the report, and in the run's stored windows (role generator, its runId).
    expect(report.body.summary.requests).toBe(secondary.arrivals.length);
    const windows: WindowDocument[] = c.store.rawWindows('shop', { role: 'generator', runId: id, from: 0, to: Date.now() + 1 });
    expect(windows.length).toBeGreaterThanOrEqual(5);
    for (const w of windows) expect(w.source).toMatchObject({ service: 'shop', role: 'generator', runId: id });
    const merged = c.store.mergedWindow('shop', { role: 'generator', runId: id, from: 0, to: Date.now() + 1 })!;
    expect(merged.routes.reduce((a, r) => a + r.requests, 0)).toBe(secondary.arrivals.length);
    // The primary series does not count generated load.
    expect(c.store.rateSeries('shop', { from: 0, to: Date.now() + 1 }).points.every((p) => p.rate === 0)).toBe(true);

    // Events: started, adjusted, finished with the summary.
    const events = (await call('GET', `${api}/events?after=0&limit=1000`)).body.events as Array<{ kind: string; service?: string; data: any }>;
    const mine = events.filter((e) => e.data?.runId === id);
    expect(mine.map((e) => e.kind)).toEqual(['run-started', 'run-adjusted', 'run-finished']);
    expect(mine[1]!.data).toMatchObject({ from: 1, factor: 2 });
    expect(mine[2]!.data).toMatchObject({ status: 'finished', summary: { requests: secondary.arrivals.length } });
    // Stopping or adjusting a finished run says so.
    expect((await call('POST', `${api}/runs/adjust?id=${id}&factor=3`)).body.error.code).toBe('ST_ERR_CONTROL_RUN_INVALID');
  }, 40_000);

  it('refuses a run at a primary (by resolved address), too many runs, and bad requests, each with its code', async () => {
    const { c, secondary, primary, api } = await setup({ runs: { maxConcurrent: 2 } });
    await c.ingest({ batchId: 'b1', sender: 'shop/shop-1', peer: 'test', windows: [liveWindow(Date.now())] });
    const scenario = (target: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ target, duration: '30s', load: { executor: 'constant-rate', rate: 5 }, source: { path: '/x' }, ...extra });
    const localhost = primary.url.replace('127.0.0.1', 'localhost');
    for (const target of [primary.url, localhost]) {
      const r = await call('POST', `${api}/runs/start`, { service: 'shop', scenario: scenario(target) });
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('ST_ERR_SAFETY_TARGET_IS_PRIMARY');
    }
    // A synthesized run is refused at the primary too.
    expect((await call('POST', `${api}/runs/start`, { service: 'shop', rate: 5, target: localhost })).body.error.code).toBe('ST_ERR_SAFETY_TARGET_IS_PRIMARY');

    const a = await call('POST', `${api}/runs/start`, { service: 'shop', scenario: scenario(secondary.url) });
    const b = await call('POST', `${api}/runs/start`, { service: 'shop', scenario: scenario(secondary.url) });
    expect([a.status, b.status]).toEqual([201, 201]);
    const third = await call('POST', `${api}/runs/start`, { service: 'shop', scenario: scenario(secondary.url) });
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('ST_ERR_CONTROL_RUNS_LIMIT');
    expect(third.body.error.message).toMatch(/maxConcurrent is 2/);
    await call('POST', `${api}/runs/stop?id=${a.body.id}`);
    await waitUntil(async () => (await call('GET', `${api}/runs`)).body.runs.find((r: { id: string }) => r.id === a.body.id)?.status === 'finished', 'run a finished');
    const again = await call('POST', `${api}/runs/start`, { service: 'shop', scenario: scenario(secondary.url) });
    expect(again.status).toBe(201);
    await call('POST', `${api}/runs/stop?id=${again.body.id}`);
    await call('POST', `${api}/runs/stop?id=${b.body.id}`);
    // Stopping runs still count until their in-flight requests are done.
    await Promise.all([again.body.id, b.body.id].map((id: string) => c.runs.finished(id)));

    const bad: Array<[unknown, number, string, string?]> = [
      [{ service: 'shop', scenario: { target: secondary.url } }, 400, 'ST_ERR_SCENARIO_INVALID'],
      [{ service: 'shop' }, 400, 'ST_ERR_CONTROL_RUN_INVALID'],
      [{ service: 'shop', rate: 5, forecastMultiple: 2 }, 400, 'ST_ERR_CONTROL_RUN_INVALID'],
      [{ service: 'shop', rate: -1 }, 400, 'ST_ERR_CONTROL_RUN_INVALID'],
      [{ service: 'shop', forecastMultiple: 1.5 }, 400, 'ST_ERR_CONTROL_RUN_INVALID'],
      [{ service: 'other', rate: 5 }, 400, 'ST_ERR_CONTROL_RUN_INVALID'],
      [{ service: 'shop', rate: 5, bogus: 1 }, 400, 'ST_ERR_CONTROL_RUN_INVALID'],
      [{ service: 'shop', scenario: scenario(secondary.url, { load: { executor: 'constant-rate', rate: 50_000 } }) }, 409, 'ST_ERR_GENERATOR_RATE_CAP'],
      [{ service: 'shop', scenario: scenario(secondary.url, { duration: '2h' }) }, 400, 'ST_ERR_CONTROL_RUN_INVALID'],
      [{ service: 'shop', scenario: scenario(secondary.url, { source: { kind: 'model', file: '/etc/passwd' } }) }, 400, 'ST_ERR_CONTROL_RUN_INVALID'],
      [{ service: 'shop', scenario: scenario(secondary.url, { http: { ca: '/etc/shadow' } }) }, 400, 'ST_ERR_CONTROL_RUN_INVALID'],
    ];
    for (const [body, status, code] of bad) {
      const r = await call('POST', `${api}/runs/start`, body);
      expect({ body, status: r.status, code: r.body?.error?.code }).toEqual({ body, status, code });
    }
    expect((await call('POST', `${api}/runs/start`, undefined, TOKEN, '{not json')).body.error.code).toBe('ST_ERR_ADMIN_BAD_REQUEST');
    const big = await call('POST', `${api}/runs/start`, undefined, TOKEN, JSON.stringify({ scenario: { name: 'x'.repeat(300_000) } }));
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('ST_ERR_ADMIN_BODY_TOO_LARGE');
    expect((await call('POST', `${api}/runs/start`, { service: 'shop', rate: 5 }, '')).status).toBe(401);
    expect((await call('GET', `${api}/runs`, undefined, '')).status).toBe(401);
    expect((await call('POST', `${api}/runs/stop?id=nope`)).body.error.code).toBe('ST_ERR_CONTROL_RUN_NOT_FOUND');
    expect((await call('GET', `${api}/runs/report?id=nope`)).status).toBe(404);
    expect((await call('POST', `${api}/runs/adjust?id=${b.body.id}`)).body.error.code).toBe('ST_ERR_ADMIN_BAD_REQUEST');
  }, 40_000);

  it('synthesizes a run from the live route mix at a rate', async () => {
    const { c, secondary, api } = await setup();
    const now = Date.now();
    const windows = [5, 4, 3, 2, 1].map((k) => liveWindow(now - k * 1000));
    await c.ingest({ batchId: 'b1', sender: 'shop/shop-1', peer: 'test', windows });
    const r = await call('POST', `${api}/runs/start`, { service: 'shop', rate: 60, duration: '3s' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ source: 'rate', baseRate: 60, target: secondary.url });
    await c.runs.finished(r.body.id);
    const products = secondary.paths.filter((p) => p === '/products/1').length;
    const search = secondary.paths.filter((p) => p === '/search').length;
    expect(products + search).toBe(secondary.paths.length);
    expect(secondary.paths.length).toBeGreaterThan(100);
    expect(products / search).toBeGreaterThan(1.4);
    expect(products / search).toBeLessThan(2.8);
    const report = (await call('GET', `${api}/runs/report?id=${r.body.id}`)).body;
    expect(report.summary.requests).toBe(secondary.paths.length);

    // After a restart the run is still listed (as it ended) and its report is still served.
    const dir = c.config.data;
    await c.stop();
    const again = await Controller.start({ config: parseControllerConfig({ grpc: '127.0.0.1:0', http: '127.0.0.1:0', data: dir, token: TOKEN }), defaultMetrics: false });
    cleanup.push(() => again.stop());
    const api2 = `${again.addresses.http}/api/v1`;
    const listed = (await call('GET', `${api2}/runs`)).body.runs;
    expect(listed.find((x: { id: string }) => x.id === r.body.id)).toMatchObject({ service: 'shop', status: 'finished', source: 'rate', summary: { requests: secondary.paths.length } });
    expect((await call('GET', `${api2}/runs/report?id=${r.body.id}`)).body.meta.runId).toBe(r.body.id);
  }, 30_000);

  it('a forecast multiple runs at that multiple of the forecast rate (the RunManager on its own, with the documents it stores)', async () => {
    const secondary = await countingServer();
    cleanup.push(() => secondary.close());
    const ingested: TelemetryBatch[] = [];
    const docs = new Map<string, any>();
    const events: Array<{ kind: string; payload?: unknown }> = [];
    const runs = new RunManager({
      services: () => [{ name: 'shop', secondary: secondary.url, primary: [] }],
      limits: { maxConcurrent: 1, maxDurationMs: 60_000 },
      liveMix: () => ({ 'GET /a': 1 }),
      forecastRate: () => 20,
      ingest: async (b) => { ingested.push(b); },
      record: (e) => { events.push(...e); },
      putReport: (r) => docs.set(`report/${r.meta.runId}`, r),
      getReport: (id) => (docs.has(`report/${id}`) ? { kind: 'shadowtwin.run-report', key: id, version: 1, updatedAt: 0, doc: docs.get(`report/${id}`) } : undefined),
      putRun: (info) => docs.set(`run/${info.id}`, info),
      listRuns: () => [...docs.entries()].filter(([k]) => k.startsWith('run/')).map(([, v]) => v),
      warn: (err) => { throw err; },
    }, { primary: [] });
    const info = await runs.start({ service: 'shop', forecastMultiple: 1.5, durationMs: 2_000 });
    expect(info).toMatchObject({ source: 'forecast-multiple', baseRate: 30, target: secondary.url });
    // One at a time here: a second start is refused while it runs.
    await expect(runs.start({ service: 'shop', rate: 5 })).rejects.toMatchObject({ code: 'ST_ERR_CONTROL_RUNS_LIMIT' });
    const done = await runs.finished(info.id);
    expect(done.status).toBe('finished');
    expect(done.summary!.requests).toBe(secondary.arrivals.length);
    expect(secondary.arrivals.length).toBeGreaterThanOrEqual(50);
    expect(secondary.arrivals.length).toBeLessThanOrEqual(70);
    expect(secondary.paths.every((p) => p === '/a')).toBe(true);
    // Its windows went to ingest in order, one batch each, named after the service and the run.
    expect(ingested.map((b) => b.batchId)).toEqual(ingested.map((_, k) => `${info.id}-${k}`));
    expect(ingested.reduce((a, b) => a + b.windows[0]!.routes.reduce((x, r) => x + r.requests, 0), 0)).toBe(secondary.arrivals.length);
    expect(runs.report(info.id).meta.runId).toBe(info.id);
    expect(events.map((e) => e.kind)).toEqual(['run-started', 'run-finished']);
  }, 20_000);

  it('stopping the controller does not wait out a hung secondary\'s requests (the test\'s timeout is below the run\'s HTTP timeout)', async () => {
    let arrived = 0;
    const hung = await startServer(() => { arrived++; });
    cleanup.push(() => hung.close());
    const { c, api } = await setup();
    const r = await call('POST', `${api}/runs/start`, { service: 'shop', scenario: { target: hung.url, duration: '60s', load: { executor: 'constant-rate', rate: 20 }, source: { path: '/hang' }, http: { timeout: '60s' } } });
    expect(r.status).toBe(201);
    await waitUntil(() => arrived >= 3, 'requests outstanding at the hung secondary');
    await c.stop();
    expect(c.runs.get(r.body.id).status).toBe('stopping');
  }, 20_000);
});
