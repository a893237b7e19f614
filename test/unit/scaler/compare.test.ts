import { describe, expect, it } from 'vitest';
import { createHistogram, encodeRouteStats, RouteStats, seededRandom } from '../../../src/common/index.js';
import { binsOf, compareSides, mannWhitney, type Side } from '../../../src/scaler/index.js';

/** A side with lognormal-ish latencies around `medianMs` (+ `shiftMs`) and an error share. */
function side(label: string, n: number, medianMs: number, shiftMs = 0, errorShare = 0, seed = 1, route = '/users/:id'): Side {
  const r = seededRandom(seed);
  const s = new RouteStats(route, 'GET');
  for (let i = 0; i < n; i++) {
    const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    const err = r() < errorShare;
    s.record(err ? 503 : 200, medianMs * Math.exp(0.4 * z) + shiftMs, 0, 100, err);
  }
  return { label, durationMs: 60_000, routes: [encodeRouteStats(s)] };
}

describe('histogram comparison', () => {
  it('Mann–Whitney on binned data: no difference → large p and a shift CI around 0', () => {
    const a = createHistogram();
    const b = createHistogram();
    const r = seededRandom(3);
    for (let i = 0; i < 5000; i++) { a.recordValue(1000 + Math.floor(r() * 1000)); b.recordValue(1000 + Math.floor(r() * 1000)); }
    const mw = mannWhitney(binsOf(a), binsOf(b));
    expect(mw.p).toBeGreaterThan(0.01);
    expect(mw.ci[0]).toBeLessThanOrEqual(0);
    expect(mw.ci[1]).toBeGreaterThanOrEqual(0);
  });

  it('Hodges–Lehmann recovers a known shift, inside its CI', () => {
    const mw = (() => {
      const a = createHistogram();
      const b = createHistogram();
      const r = seededRandom(4);
      for (let i = 0; i < 4000; i++) { const v = 5000 + Math.floor(r() * 5000); a.recordValue(v); b.recordValue(Math.floor(5000 + r() * 5000) + 2000); }
      return mannWhitney(binsOf(a), binsOf(b));
    })();
    expect(mw.p).toBeLessThan(1e-6);
    expect(mw.shiftMs).toBeGreaterThan(1.8);
    expect(mw.shiftMs).toBeLessThan(2.2);
    expect(mw.ci[0]).toBeLessThan(mw.shiftMs);
    expect(mw.ci[1]).toBeGreaterThan(mw.shiftMs);
  });

  it('passes identical distributions (A/A) and reports a noise floor', () => {
    const c = compareSides(side('a', 3000, 20, 0, 0, 1), side('b', 3000, 20, 0, 0, 2));
    expect(c.verdict).toBe('pass');
    expect(c.score).toBe(100);
    expect(c.noiseFloor).toBeGreaterThan(0);
    expect(c.noiseFloor).toBeLessThan(2);
    expect(c.routes[0]).toMatchObject({ route: '/users/:id', method: 'GET', verdict: 'pass', base: { p50: expect.any(Number), p99: expect.any(Number) }, mannWhitney: { p: expect.any(Number), shiftMs: expect.any(Number), ci: expect.any(Array) } });
  });

  it('fails a real regression, names the direction, and ignores tiny but significant shifts', () => {
    const slow = compareSides(side('a', 3000, 20), side('b', 3000, 20, 8, 0, 2));
    expect(slow.verdict).toBe('fail');
    expect(slow.routes[0]!.verdict).toBe('higher');
    expect(slow.routes[0]!.mannWhitney.shiftMs).toBeGreaterThan(6);
    const fast = compareSides(side('a', 3000, 20), side('b', 3000, 20, -8, 0, 2));
    expect(fast.routes[0]!.verdict).toBe('lower');
    expect(fast.verdict).toBe('pass');
    // 0.3 ms on a 20 ms median with 50k samples: significant, but under the 5% effect floor.
    const tiny = compareSides(side('a', 50_000, 20), side('b', 50_000, 20, 0.3, 0, 2));
    expect(tiny.routes[0]!.mannWhitney.p).toBeLessThan(0.05);
    expect(tiny.routes[0]!.verdict).toBe('pass');
  });

  it('fails on a significant error-rate increase and flags mismatched load', () => {
    const errs = compareSides(side('a', 3000, 20, 0, 0.001), side('b', 3000, 20, 0, 0.05, 2));
    expect(errs.routes[0]!.errorRate.worse).toBe(true);
    expect(errs.verdict).toBe('fail');
    const load = compareSides(side('a', 1000, 20), side('b', 3000, 20, 0, 0, 2));
    expect(load.loadMismatch!.ratio).toBeCloseTo(3, 2);
    expect(load.routes[0]!.loadMismatch).toBe(true);
  });

  it('does not judge routes with too few requests', () => {
    const c = compareSides(side('a', 3000, 20), { ...side('b', 3000, 20, 0, 0, 2), routes: [...side('b', 3000, 20, 0, 0, 2).routes, ...side('c', 5, 20, 50, 0, 3, '/rare').routes] });
    expect(c.routes.find((r) => r.route === '/rare')!.verdict).toBe('insufficient');
    expect(c.verdict).toBe('pass');
  });
});
