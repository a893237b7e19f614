import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { Controller, parseControllerConfig, startSidecarTelemetry, type TelemetryExporter } from '../../src/control/index.js';
import { createShopService } from '../../src/demo/shop-service.js';
import { listenOn } from '../../src/demo/sample-upstream.js';
import type { Sidecar } from '../../src/proxy/index.js';
import { freePort, startSidecar } from '../helpers/servers.js';
import { metricSum, waitUntil } from '../helpers/wait.js';

const TOKEN = 'sidecar-telemetry-token-0123456';


describe('sidecars stream their windows to the controller', () => {
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

  async function primary(): Promise<string> {
    const shop = createShopService({ name: 'primary', random: () => 0.5 });
    const url = await listenOn(shop.server);
    cleanup.push(() => new Promise<void>((r) => { shop.server.closeAllConnections(); shop.server.close(() => r()); }));
    return url;
  }

  async function sidecar(pod: string, primaryUrl: string, controllerAddress: string, extra: Record<string, unknown> = {}): Promise<{ s: Sidecar; x: TelemetryExporter }> {
    const s = await startSidecar({ primary: [primaryUrl], service: 'shop', pod, capture: { window: '500ms' }, controller: { address: controllerAddress, token: TOKEN, flushInterval: '200ms', ...extra } } as never);
    const x = startSidecarTelemetry(s, s.config, s.metrics.registry)!;
    cleanup.push(() => x.close(2_000), () => s.stop());
    return { s, x };
  }

  async function drive(s: Sidecar, n: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await request(`${s.addresses.proxy}/products/${i + 1}`);
      await res.body.dump();
      statuses.push(res.statusCode);
    }
    return statuses;
  }

  async function controllerAt(dir: string, grpcPort: number): Promise<Controller> {
    const c = await Controller.start({ config: parseControllerConfig({ grpc: `127.0.0.1:${grpcPort}`, http: '127.0.0.1:0', data: dir, token: TOKEN, windowMs: '1s' }), defaultMetrics: false });
    return c;
  }

  it('every request through two sidecars is counted by the controller exactly, also across a controller restart (buffered windows delivered)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-ctl-sc-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    let c = await controllerAt(dir, port);
    cleanup.push(() => c.stop());
    const up = await primary();
    const a = await sidecar('shop-a', up, `127.0.0.1:${port}`);
    const b = await sidecar('shop-b', up, `127.0.0.1:${port}`);
    const sent1 = [...await drive(a.s, 60), ...await drive(b.s, 40)];
    expect(sent1.every((st) => st === 200)).toBe(true);
    const total = (): number => (c.store.mergedWindow('shop', { from: 0, to: Date.now() + 60_000 })?.routes ?? []).reduce((x, r) => x + r.requests, 0);
    await waitUntil(() => total() === 100, 'the controller counted 100 requests');
    expect(c.fleet.pods('shop').map((p) => p.name)).toEqual(['shop-a', 'shop-b']);

    // The controller goes away: traffic is untouched, windows wait in the exporters' buffers.
    await c.stop();
    const sent2 = await drive(a.s, 50);
    expect(sent2.every((st) => st === 200)).toBe(true);
    await waitUntil(() => a.x.stats().buffered > 0, 'windows buffered while the controller is down');
    const metrics = await request(`${a.s.addresses.admin}/metrics`).then((r) => r.body.text());
    expect(metricSum(metrics, 'shadowtwin_telemetry_connected')).toBe(0);

    // It comes back on the same address and data directory: the buffered windows arrive, nothing counted twice.
    c = await controllerAt(dir, port);
    await waitUntil(() => total() === 150, 'the controller counted 150 requests after its restart', 20_000);
    await new Promise((r) => setTimeout(r, 600)); // another flush: still exactly 150
    expect(total()).toBe(150);
  });

  it('a controller that accepts connections and never answers costs the primary path nothing; windows beyond the buffer are dropped and counted', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const hung: TcpServer = createTcpServer((sock) => { sockets.add(sock); sock.on('data', () => undefined); sock.on('error', () => undefined); });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise<void>((r) => { for (const k of sockets) k.destroy(); hung.close(() => r()); }));
    const up = await primary();
    const { s, x } = await sidecar('shop-a', up, `127.0.0.1:${(hung.address() as { port: number }).port}`, { maxBufferedWindows: 10 });
    const t0 = performance.now();
    // 7 s of traffic: 14 windows of 0.5 s, more than the buffer of 10 holds.
    const statuses: number[] = [];
    while (performance.now() - t0 < 7_000) statuses.push(...await drive(s, 10));
    expect(statuses.every((st) => st === 200)).toBe(true);
    await waitUntil(() => x.stats().dropped.buffer_full > 0, 'windows beyond the buffer dropped');
    const metrics = await request(`${s.addresses.admin}/metrics`).then((r) => r.body.text());
    expect(metricSum(metrics, 'shadowtwin_telemetry_windows_dropped_total', /reason="buffer_full"/)).toBeGreaterThan(0);
    expect(metricSum(metrics, 'shadowtwin_telemetry_windows_buffered')).toBeLessThanOrEqual(10);
  });
});
