import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { MIRROR_DROP_REASONS, type Sidecar } from '../../src/proxy/index.js';
import { readBody, useCleanup } from '../helpers/servers.js';
import { metricSum, waitUntil } from '../helpers/wait.js';

const dropped = async (sc: Sidecar, reason: string): Promise<number> =>
  metricSum(await sc.metrics.registry.getSingleMetricAsString('shadowtwin_mirror_dropped_total'), 'shadowtwin_mirror_dropped_total', new RegExp(`reason="${reason}"`));
const sent = async (sc: Sidecar): Promise<number> => metricSum(await sc.metrics.registry.metrics(), 'shadowtwin_mirror_sent_total');

describe('mirror drop reasons', () => {
  const { server, sidecar } = useCleanup();

  it('are declared once: the docs list exactly the reasons the metric exports, each at 0 from the start', async () => {
    const doc = readFileSync(fileURLToPath(new URL('../../docs/sidecar.md', import.meta.url)), 'utf8');
    const row = /^\| `shadowtwin_mirror_dropped_total` \| counter \| reason \(([^)]*)\) \|$/m.exec(doc);
    expect(row, 'docs/sidecar.md has the metric row').not.toBeNull();
    expect(row![1]!.split(',').map((s) => s.trim())).toEqual([...MIRROR_DROP_REASONS]);
    const up = await server((_req, res) => res.end());
    const secondary = await server((_req, res) => res.end());
    const sc = await sidecar({ primary: [up.url], secondary: secondary.url, mirror: { fraction: 1 } });
    const text = await (await request(`${sc.addresses.admin}/metrics`)).body.text();
    for (const reason of MIRROR_DROP_REASONS) expect(text).toContain(`shadowtwin_mirror_dropped_total{reason="${reason}"} 0`);
  });

  it('counts body_too_large, queue_full and shutdown; every decided copy is sent or dropped', async () => {
    const primary = await server(async (req, res) => { await readBody(req); res.end('ok'); });
    let arrived = 0;
    const secondary = await server(() => { arrived++; }); // holds every shadow copy
    const sc = await sidecar({ primary: [primary.url], secondary: secondary.url, mirror: { fraction: 1, methods: ['GET', 'POST'], maxBodyBytes: 16, maxInFlight: 1, maxQueue: 1, timeout: '30s' } });
    const p = sc.addresses.proxy;
    const big = await request(`${p}/upload`, { method: 'POST', body: 'x'.repeat(100) });
    expect(big.statusCode).toBe(200); // the primary got the whole body anyway
    await big.body.dump();
    expect(await dropped(sc, 'body_too_large')).toBe(1);
    for (const path of ['/a', '/b', '/c']) await (await request(`${p}${path}`)).body.dump();
    await waitUntil(() => arrived === 1, 'the first copy is at the secondary');
    expect(await sent(sc)).toBe(1); // /a in flight, /b queued, /c dropped
    expect(await dropped(sc, 'queue_full')).toBe(1);
    await sc.stop();
    expect(await dropped(sc, 'shutdown')).toBe(1); // /b, still queued
    expect(await dropped(sc, 'rate_limited') + await dropped(sc, 'circuit_open')).toBe(0);
  });

  it('counts rate_limited copies (mirror.maxRate)', async () => {
    const up = await server((_req, res) => res.end('ok'));
    const secondary = await server((_req, res) => res.end('ok'));
    const sc = await sidecar({ primary: [up.url], secondary: secondary.url, mirror: { fraction: 1, maxRate: 1 } });
    for (let i = 0; i < 5; i++) await (await request(`${sc.addresses.proxy}/r`)).body.dump();
    const limited = await dropped(sc, 'rate_limited');
    expect(limited).toBeGreaterThanOrEqual(1); // a bucket of 1 that refills at 1/s: at most one copy per second after the first
    expect(limited + await sent(sc)).toBe(5);
  });
});
