import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/common/index.js';
import { dampedTrendForecast, HpaReference } from '../../../src/scaler/index.js';

describe('dampedTrendForecast', () => {
  const ramp = (n: number, noise: number, seed = 1): Array<{ t: number; rate: number }> => {
    const r = seededRandom(seed);
    return Array.from({ length: n }, (_, i) => ({ t: i * 1000, rate: 100 + 2 * i + (r() - 0.5) * noise }));
  };

  it('follows a ramp ahead, and damps the trend instead of extrapolating it forever', () => {
    const pts = ramp(30, 4);
    const f = dampedTrendForecast(pts, 30_000, 12_000, 1000);
    const at12 = f.at(-1)!;
    // An undamped trend says 100 + 2·41 = 182 at t = 41 s; damping (φ = 0.95) lands below it but well above the last value.
    expect(at12.point).toBeGreaterThan(165);
    expect(at12.point).toBeLessThan(182);
    expect(at12.upper).toBeGreaterThan(at12.point);
    const undamped = dampedTrendForecast(pts, 30_000, 12_000, 1000, { phi: 1 }).at(-1)!.point;
    expect(Math.abs(undamped - 182)).toBeLessThan(4);
  });

  it('is flat on a flat series, and with little history uses the recent mean instead of a trend', () => {
    const flat = Array.from({ length: 30 }, (_, i) => ({ t: i * 1000, rate: 150 }));
    expect(dampedTrendForecast(flat, 30_000, 10_000, 1000).every((p) => Math.abs(p.point - 150) < 1e-6)).toBe(true);
    expect(dampedTrendForecast([{ t: 0, rate: 42 }], 1000, 5000, 1000).at(-1)).toMatchObject({ point: 42, upper: 42 });
    const few = dampedTrendForecast([98, 117, 118, 102, 113].map((rate, i) => ({ t: i * 1000, rate })), 5000, 12_000, 1000).at(-1)!;
    expect(few.point).toBeCloseTo(109.6, 5);
    expect(few.upper).toBeGreaterThan(few.point);
  });
});

describe('HpaReference (the reactive reference)', () => {
  const hpa = (): HpaReference => new HpaReference({ targetUtilization: 0.8, capacityPerReplica: 50, minReplicas: 1, maxReplicas: 20, syncPeriodMs: 15_000, metricWindowMs: 30_000, downStabilizationMs: 300_000 });

  it('scales to ceil(current × utilisation / target) outside the 10% tolerance, once per sync period', () => {
    const h = hpa();
    for (let t = 0; t <= 30_000; t += 1000) h.observe(t, 132); // 3 replicas: utilisation 0.88 = 1.1 × target: inside tolerance
    expect(h.decide(30_000, 3)).toBe(3);
    for (let t = 31_000; t <= 60_000; t += 1000) h.observe(t, 150); // utilisation 1.0: ratio 1.25
    expect(h.decide(40_000, 3)).toBe(3); // within the sync period: unchanged
    expect(h.decide(60_000, 3)).toBe(4);
  });

  it('reacts to the averaged metric, limits scale-up steps and stabilises scale-down for five minutes', () => {
    const h = hpa();
    for (let t = 0; t <= 30_000; t += 1000) h.observe(t, 2000);
    let cur = h.decide(30_000, 2);
    expect(cur).toBe(6); // wants 20 (max), but at most max(4 pods, 100%) per period
    const seen: Array<[number, number]> = [];
    for (let t = 31_000; t <= 400_000; t += 1000) {
      h.observe(t, 50);
      if (t % 15_000 === 0) { cur = h.decide(t, cur); seen.push([t, cur]); }
    }
    // 45 s: the 30 s average still holds the burst → 12. Then the load is tiny, but the 5-minute window
    // keeps the 20 recommended at 30 s and 45 s: no scale-down until it has passed.
    expect(seen.find(([t]) => t === 45_000)![1]).toBe(12);
    expect(seen.filter(([t]) => t > 45_000 && t <= 345_000).every(([, r]) => r === 12)).toBe(true);
    expect(seen.at(-1)![1]).toBe(2);
  });
});
