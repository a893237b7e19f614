import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { startSidecarTelemetry, type TelemetryExporter } from '../../src/control/index.js';
import { createShopService } from '../../src/demo/shop-service.js';
import { listenOn } from '../../src/demo/sample-upstream.js';
import { TrafficDriver } from '../../src/demo/traffic-driver.js';
import { startWorkerPool } from '../../src/demo/worker-pool.js';
import type { Sidecar } from '../../src/proxy/index.js';
import { runCli, waitForText, type CliRun } from '../helpers/cli.js';
import { freePort, startSidecar } from '../helpers/servers.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * Issue 16's acceptance, end to end with real parts: a primary, a scalable
 * secondary (workers behind their own sidecar), two sidecars in front of the
 * primary streaming to `shadowtwin controller` (its own process, with a
 * token), day-shaped user traffic; then, through the API only: both pods, the
 * rate the controller counted against what was sent, a forecast with an
 * interval, drift after the traffic's shape changes, a proposal validated by
 * a synthetic run against the secondary and applied through the membership
 * actuator — and the same state after kill -9 and a restart.
 */
const TOKEN = 'e2e-controller-token-0123456789';


describe('the controller runs the loop live (issue 16 acceptance)', () => {
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  afterAll(async () => { for (const c of cleanup.reverse()) { try { await c(); } catch { /* best effort */ } } });

  it('pods, rate, forecast, drift, a validated and applied proposal, and the same state after kill -9', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-e2e-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    // The primary and the scalable secondary: 4 workers (2 at a time each) behind a role-secondary sidecar, 1 in rotation.
    const shop = createShopService({ name: 'primary' });
    const primaryUrl = await listenOn(shop.server);
    cleanup.push(() => new Promise<void>((r) => { shop.server.closeAllConnections(); shop.server.close(() => r()); }));
    const pool = await startWorkerPool(4, { concurrency: 2 });
    cleanup.push(() => pool.close());
    const secondary = await startSidecar({ primary: [pool.urls[0]!], role: 'secondary', service: 'shop-secondary', pod: 'secondary-0' } as never);
    cleanup.push(() => secondary.stop());

    // The controller, its own process.
    const grpcPort = await freePort();
    const httpPort = await freePort();
    const config = {
      grpc: `127.0.0.1:${grpcPort}`, http: `127.0.0.1:${httpPort}`, data: join(dir, 'data'), token: TOKEN, windowMs: '1s',
      forecast: { refitEvery: '30s', step: '1s', horizon: '60s', history: '1h', level: 0.8 },
      services: [{
        name: 'shop',
        scaling: [{
          target: 'web', capacityPerReplica: 12, mode: 'auto', interval: '3s', minConfidence: 0,
          policy: { minReplicas: 1, maxReplicas: 4, leadTimeMs: '0s', lookAheadMs: '20s', targetUtilization: 0.8, headroom: 1.0, cooldownMs: '0s' },
          actuator: { kind: 'membership', admin: secondary.addresses.admin, pool: pool.urls },
          slo: { p99Ms: 5000, errorRate: 0.5 },
          validation: { target: secondary.addresses.proxy, duration: '2s', maxAttempts: 2 },
        }],
      }],
    };
    const configFile = join(dir, 'controller.json');
    writeFileSync(configFile, JSON.stringify(config));
    const api = `http://127.0.0.1:${httpPort}`;
    const startController = async (): Promise<CliRun> => {
      const c = runCli(['controller', '--config', configFile, '--log-level', 'warn'], { SHADOWTWIN_PRIMARY: primaryUrl });
      await waitForText(c.stderr, /shadowtwin controller: grpc/, 60_000);
      return c;
    };
    let controller = await startController();
    cleanup.push(() => controller.child.kill('SIGKILL'));
    const get = async (path: string): Promise<any> => {
      const r = await request(`${api}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const text = await r.body.text();
      if (r.statusCode !== 200) throw new Error(`${path}: HTTP ${r.statusCode} ${text}`);
      return JSON.parse(text);
    };

    // Two sidecars in front of the primary, mirroring a share to the secondary, streaming windows.
    const sidecars: Array<{ s: Sidecar; x: TelemetryExporter }> = [];
    for (const pod of ['shop-a', 'shop-b']) {
      const s = await startSidecar({ primary: [primaryUrl], secondary: secondary.addresses.proxy, mirror: { fraction: 0.2 }, service: 'shop', pod, capture: { window: '1s' }, controller: { address: `127.0.0.1:${grpcPort}`, token: TOKEN, flushInterval: '200ms' } } as never);
      const x = startSidecarTelemetry(s, s.config, s.metrics.registry)!;
      sidecars.push({ s, x });
      cleanup.push(() => x.close(1_000), () => s.stop());
    }

    // Day-shaped traffic (a real day's volume compressed into 2 minutes), 20 req/s on average per sidecar.
    const drivers = sidecars.map(({ s }, i) => new TrafficDriver({ target: s.addresses.proxy, dayMs: 120_000, meanRate: 20, startAt: 0.4, seed: 10 + i }));
    for (const d of drivers) d.start();
    cleanup.push(() => Promise.all(drivers.map((d) => d.stop())));

    // Both pods.
    await waitUntil(async () => (await get('/api/v1/state')).services.find((x: any) => x.name === 'shop')?.pods.length === 2, 'both pods listed', 60_000);

    // A forecast with an interval (the first fit needs 12 s of history).
    await waitUntil(async () => (await get('/api/v1/state')).services.find((x: any) => x.name === 'shop')?.rate.forecast !== null, 'a forecast', 90_000);
    const s1 = (await get('/api/v1/state')).services.find((x: any) => x.name === 'shop');
    expect(s1.rate.forecast.upper).toBeGreaterThan(s1.rate.forecast.lower);
    expect(s1.rate.forecast.level).toBe(0.8);

    // A proposal validated against the secondary and applied through the membership actuator.
    await waitUntil(async () => (await get('/api/v1/events?after=0&limit=1000&kind=decision')).events.some((e: any) => /applied/.test(JSON.stringify(e.data))), 'an applied decision', 120_000);
    const validations = (await get('/api/v1/events?after=0&limit=1000&kind=validation')).events;
    expect(validations.length).toBeGreaterThan(0);
    // The validation run's synthetic load reached the secondary (the workers served more than the mirrored share alone).
    expect(JSON.stringify(validations[0].data)).toMatch(/"requests":[1-9]/);
    const membership = await request(`${secondary.addresses.admin}/membership`).then((r) => r.body.json() as Promise<{ primary: string[] }>);
    expect(membership.primary.length).toBeGreaterThan(1);

    // The traffic's shape changes: a flash sale triples the load, on checkout. Drift follows.
    const sale = new TrafficDriver({ target: sidecars[0]!.s.addresses.proxy, dayMs: 120_000, meanRate: 40, shape: [1], smooth: 1, seed: 99,
      events: [{ name: 'flash sale', at: 0, length: 1, method: 'POST', path: '/checkout', multiplier: 3 }] });
    sale.start();
    cleanup.push(() => sale.stop());
    await waitUntil(async () => (await get('/api/v1/events?after=0&limit=1000&kind=drift')).events.length > 0, 'a drift event', 120_000);
    const drift = (await get('/api/v1/events?after=0&limit=1000&kind=drift')).events[0];
    expect(drift.service).toBe('shop');
    expect(drift.data.interval?.drift || drift.data.mix?.drift).toBe(true);
    await sale.stop();

    // The rate the controller counted is what the sidecars forwarded (stop, let the last windows arrive, compare).
    for (const d of drivers) await d.stop();
    const forwarded = sidecars.reduce((a, { s }) => a + [...s.aggregator.snapshot().values()].reduce((x, r) => x + r.requests, 0), 0);
    await waitUntil(async () => {
      const series = await get(`/api/v1/series?service=shop&from=${Date.now() - 3_600_000}&step=1000`);
      const counted = series.points.reduce((a: number, p: any) => a + p.rate * (series.stepMs / 1000), 0);
      return Math.abs(counted - forwarded) <= 0.1 * forwarded;
    }, 'the counted requests within 10% of those forwarded', 30_000);

    // kill -9, restart on the same data: the same pods, events (ids continue), the applied decision, the forecast.
    const before = await get('/api/v1/state?events=1000');
    controller.child.kill('SIGKILL');
    await controller.exit;
    controller = await startController();
    const after = await get('/api/v1/state?events=1000');
    const shopBefore = before.services.find((x: any) => x.name === 'shop');
    const shopAfter = after.services.find((x: any) => x.name === 'shop');
    expect(shopAfter.pods.map((p: any) => p.name)).toEqual(shopBefore.pods.map((p: any) => p.name));
    expect(shopAfter.scaling.lastDecision).toEqual(shopBefore.scaling.lastDecision);
    expect(shopAfter.rate.forecast).not.toBeNull();
    const idsBefore = before.events.map((e: any) => e.id);
    const stored = (await get(`/api/v1/events?after=${Math.min(...idsBefore) - 1}&limit=10000`)).events.map((e: any) => e.id);
    expect(stored).toEqual(expect.arrayContaining(idsBefore));
    expect(Math.max(...after.events.map((e: any) => e.id))).toBeGreaterThan(Math.max(...idsBefore));
  }, 420_000);
});
