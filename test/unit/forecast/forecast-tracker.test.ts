import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/common/index.js';
import { ForecastTracker } from '../../../src/forecast/forecast-tracker.js';
import type { Series } from '../../../src/forecast/series.js';

const STEP = 60_000;
const T0 = Date.UTC(2026, 11, 1);
const PERIOD = 24;

/** A cycle of PERIOD steps around 100 req/s with noise; from step `shiftAt` on, the level is multiplied by `factor`. */
function rates(n: number, o: { shiftAt?: number; factor?: number; seed?: number } = {}): number[] {
  const u = seededRandom(o.seed ?? 3);
  return Array.from({ length: n }, (_, i) => {
    const base = 100 + 40 * Math.sin((2 * Math.PI * i) / PERIOD) + (u() - 0.5) * 8;
    return i >= (o.shiftAt ?? Infinity) ? base * (o.factor ?? 1) : base;
  });
}

const series = (values: number[]): Series => ({ start: T0, stepMs: STEP, values, unit: 'req/s' });
const now = (n: number): number => T0 + n * STEP;
const tracker = (): ForecastTracker => new ForecastTracker({ horizon: 12, refitEveryMs: 60 * STEP, forecast: { period: PERIOD, folds: 3 } });

describe('forecast tracker', () => {
  it('fits first, then refits on schedule only while reality stays inside the interval', async () => {
    const all = rates(PERIOD * 8 + 80);
    const t = tracker();
    const first = await t.step(now(PERIOD * 8), series(all.slice(0, PERIOD * 8)));
    expect(first.map((e) => e.kind)).toEqual(['refit']);
    expect(first[0]).toMatchObject({ reason: 'first' });
    const kinds: string[] = [];
    for (let k = PERIOD * 8 + 12; k <= PERIOD * 8 + 80; k += 12) {
      for (const e of await t.step(now(k), series(all.slice(0, k)))) kinds.push(e.kind === 'refit' ? `refit:${e.reason}` : e.kind);
    }
    expect(kinds).not.toContain('drift');
    expect(kinds).toContain('refit:schedule');
  });

  it('reports drift with its evidence after the level doubles, and refits for it', async () => {
    const start = PERIOD * 8;
    const all = rates(start + 40, { shiftAt: start, factor: 2 });
    const t = tracker();
    await t.step(now(start), series(all.slice(0, start)));
    const events = await t.step(now(start + 12), series(all.slice(0, start + 12)));
    const drift = events.find((e) => e.kind === 'drift');
    expect(drift).toBeDefined();
    if (drift?.kind !== 'drift') throw new Error('unreachable');
    expect(drift.interval!.above).toBe(12);
    expect(events.find((e) => e.kind === 'refit')).toMatchObject({ reason: 'drift' });
  });

  it('reports a route-mix drift with the route that moved', async () => {
    const start = PERIOD * 8;
    const all = rates(start + 2);
    const t = tracker();
    await t.step(now(start), series(all.slice(0, start)), { 'GET /a': 600, 'GET /b': 100, 'GET /c': 300 });
    const events = await t.step(now(start + 1), series(all.slice(0, start + 1)), { 'GET /a': 500, 'GET /b': 500, 'GET /c': 0 });
    const drift = events.find((e) => e.kind === 'drift');
    expect(drift?.kind === 'drift' && drift.mix?.moved[0]?.route).toBe('GET /b');
  });

  it('state survives export → restore: the restored tracker takes the same next step', async () => {
    const start = PERIOD * 8;
    const all = rates(start + 30, { shiftAt: start + 6, factor: 1.8 });
    const a = tracker();
    await a.step(now(start), series(all.slice(0, start)));
    const b = tracker();
    b.restore(JSON.parse(JSON.stringify(a.exportState())));
    const strip = (es: Awaited<ReturnType<ForecastTracker['step']>>): unknown => es.map((e) => (e.kind === 'refit' ? { ...e, fitMs: 0 } : e));
    const next = series(all.slice(0, start + 24));
    expect(strip(await b.step(now(start + 24), next))).toEqual(strip(await a.step(now(start + 24), next)));
    expect(b.forecast!.points).toEqual(a.forecast!.points);
  });

  it('waits for enough history before the first fit', async () => {
    const t = tracker();
    expect(await t.step(now(5), series(rates(5)))).toEqual([]);
    expect(t.forecast).toBeUndefined();
  });
});
