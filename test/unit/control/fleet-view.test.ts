import { describe, expect, it } from 'vitest';
import { RouteStatsTable, windowFromTable, type WindowDocument, type WindowRole } from '../../../src/common/index.js';
import { FleetView } from '../../../src/control/fleet/index.js';

const T0 = Date.UTC(2026, 11, 2, 10);

/** A window of `n` requests on `routes` (equal shares), each taking `ms`. */
function win(pod: string, role: WindowRole, start: number, end: number, n: number, o: { service?: string; ms?: number; routes?: string[]; errors?: number } = {}): WindowDocument {
  const t = new RouteStatsTable();
  const routes = o.routes ?? ['/a', '/b'];
  for (let i = 0; i < n; i++) t.get(routes[i % routes.length]!, 'GET').record(i < (o.errors ?? 0) ? 503 : 200, (o.ms ?? 2) + (i % 5) * 0.1, 0, 100, false);
  return windowFromTable({ service: o.service ?? 'shop', pod, role }, start, end, t);
}

describe('fleet view', () => {
  it('sums the primary rate across pods whose windows do not line up, exactly over complete buckets', () => {
    const f = new FleetView({ windowMs: 5_000 });
    // pod a: windows aligned to the 5 s grid, 50 req each (10 req/s); pod b: offset by 2.5 s, 25 req each (5 req/s).
    for (let i = 0; i < 12; i++) {
      f.ingest(win('a', 'primary', T0 + i * 5_000, T0 + (i + 1) * 5_000, 50), T0 + (i + 1) * 5_000);
      f.ingest(win('b', 'primary', T0 + 2_500 + i * 5_000, T0 + 2_500 + (i + 1) * 5_000, 25), T0 + 2_500 + (i + 1) * 5_000);
    }
    const now = T0 + 12 * 5_000 + 2_500;
    const pts = f.rateSeries('shop', { now });
    // Buckets after the first (pod b starts half-way into it) carry both pods: 15 req/s.
    for (const p of pts.slice(1)) expect(p.rate).toBeCloseTo(15, 9);
    expect(pts[0]!.rate).toBeCloseTo(10 + 2.5, 9);
    expect(f.currentRate('shop', now)).toBeCloseTo(15, 9);
    // The newest bucket still waits for late windows.
    expect(pts[pts.length - 1]!.at).toBeLessThanOrEqual(now - 5_000 - 5_000);
    expect(f.rateSeries('shop', { now, includePartial: true }).length).toBeGreaterThan(pts.length);
  });

  it('secondary and generator windows never count as the service\'s rate', () => {
    const f = new FleetView({ windowMs: 1_000 });
    for (let i = 0; i < 10; i++) {
      f.ingest(win('a', 'primary', T0 + i * 1000, T0 + (i + 1) * 1000, 10), T0 + (i + 1) * 1000);
      f.ingest(win('a', 'secondary', T0 + i * 1000, T0 + (i + 1) * 1000, 500), T0 + (i + 1) * 1000);
      f.ingest({ ...win('agent-0', 'generator', T0 + i * 1000, T0 + (i + 1) * 1000, 900), source: { service: 'shop', pod: 'agent-0', role: 'generator', runId: 'r1' } }, T0 + (i + 1) * 1000);
    }
    for (const p of f.rateSeries('shop', { now: T0 + 10_000 })) expect(p.rate).toBeCloseTo(10, 9);
  });

  it('a pod silent for three window periods is gone (one event), and returns with an event', () => {
    const f = new FleetView({ windowMs: 2_000 });
    expect(f.ingest(win('a', 'primary', T0, T0 + 2_000, 5), T0 + 2_000).map((e) => e.kind)).toEqual(['pod-joined']);
    expect(f.ingest(win('a', 'primary', T0 + 2_000, T0 + 4_000, 5), T0 + 4_000)).toEqual([]);
    expect(f.sweep(T0 + 4_000 + 6_000)).toEqual([]);
    const gone = f.sweep(T0 + 4_000 + 6_001);
    expect(gone).toEqual([{ kind: 'pod-gone', at: T0 + 10_001, service: 'shop', pod: 'a', lastSeen: T0 + 4_000, silentMs: 6_001 }]);
    expect(f.sweep(T0 + 20_000)).toEqual([]);
    expect(f.pods('shop')[0]!.gone).toBe(true);
    expect(f.ingest(win('a', 'primary', T0 + 20_000, T0 + 22_000, 5), T0 + 22_000).map((e) => e.kind)).toEqual(['pod-returned']);
    expect(f.pods('shop')[0]!.gone).toBe(false);
  });

  it('the live mix follows recent primary windows only', () => {
    const f = new FleetView({ windowMs: 1_000, recentMs: 10_000, sliceMs: 1_000 });
    for (let i = 0; i < 30; i++) f.ingest(win('a', 'primary', T0 + i * 1000, T0 + (i + 1) * 1000, 30, { routes: i < 15 ? ['/a'] : ['/a', '/b', '/b'] }), T0 + (i + 1) * 1000);
    const mix = f.liveMix('shop');
    expect(mix['GET /a']).toBeCloseTo(1 / 3, 9);
    expect(mix['GET /b']).toBeCloseTo(2 / 3, 9);
  });

  it('finds the route where the secondary is slower as its bottleneck, and none when both sides match', () => {
    const same = new FleetView({ windowMs: 1_000 });
    const slow = new FleetView({ windowMs: 1_000 });
    for (let i = 0; i < 20; i++) {
      const at = (k: number): number => T0 + k * 1000;
      for (const f of [same, slow]) f.ingest(win('a', 'primary', at(i), at(i + 1), 200, { routes: ['/a', '/b'] }), at(i + 1));
      same.ingest(win('a', 'secondary', at(i), at(i + 1), 200, { routes: ['/a', '/b'] }), at(i + 1));
      slow.ingest(win('a', 'secondary', at(i), at(i + 1), 100, { routes: ['/a'] }), at(i + 1));
      slow.ingest(win('a', 'secondary', at(i), at(i + 1), 100, { routes: ['/b'], ms: 40 }), at(i + 1));
    }
    expect(same.bottlenecks('shop')).toEqual([]);
    const b = slow.bottlenecks('shop');
    expect(b.map((r) => r.route)).toEqual(['/b']);
    expect(b[0]!.ratios.p99).toBeGreaterThan(5);
  });

  it('bounds what it holds: services and pods beyond the limits are skipped and counted', () => {
    const f = new FleetView({ windowMs: 1_000, maxServices: 2, maxPodsPerService: 2 });
    for (const s of ['x', 'y', 'z']) f.ingest(win('p', 'primary', T0, T0 + 1000, 1, { service: s }), T0 + 1000);
    for (const p of ['p2', 'p3']) f.ingest(win(p, 'primary', T0, T0 + 1000, 1, { service: 'x' }), T0 + 1000);
    expect(f.serviceNames()).toEqual(['x', 'y']);
    expect(f.pods('x').map((p) => p.name)).toEqual(['p', 'p2']);
    expect(f.skipped).toEqual({ too_many_services: 1, too_many_pods: 1 });
  });

  it('an idle pod that keeps reporting empty windows stays live and its rate falls to 0; silence is judged by the pod\'s own period', () => {
    const f = new FleetView({ windowMs: 1_000 });
    for (let i = 0; i < 5; i++) f.ingest(win('a', 'primary', T0 + i * 10_000, T0 + (i + 1) * 10_000, 100), T0 + (i + 1) * 10_000);
    // 10 s windows: 25 s of silence is less than three of them.
    expect(f.sweep(T0 + 50_000 + 25_000)).toEqual([]);
    expect(f.currentRate('shop', T0 + 50_000 + 11_000, 10_000)).toBeCloseTo(10, 9);
    // Idle: empty windows arrive; the rate reads 0 and the pod is still there.
    for (let i = 5; i < 8; i++) f.ingest(win('a', 'primary', T0 + i * 10_000, T0 + (i + 1) * 10_000, 0), T0 + (i + 1) * 10_000);
    expect(f.sweep(T0 + 80_000 + 1_000)).toEqual([]);
    expect(f.currentRate('shop', T0 + 80_000 + 11_000, 10_000)).toBe(0);
    expect(f.sweep(T0 + 80_000 + 30_001).map((e) => e.kind)).toEqual(['pod-gone']);
  });
});
