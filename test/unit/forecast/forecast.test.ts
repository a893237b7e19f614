import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/common/index.js';
import { forecastSeries, holtWinters, readSeriesCsv, seasonalMedian, seasonalNaive, type Series } from '../../../src/forecast/index.js';

/** 5-minute counts with a daily cycle, Poisson-ish noise and occasional bursts (like request rates). */
function synthetic(days: number, seed = 1): Series {
  const r = seededRandom(seed);
  const values: number[] = [];
  for (let i = 0; i < days * 288; i++) {
    const base = 100 + 60 * Math.sin((2 * Math.PI * i) / 288);
    const noise = (r() + r() + r() - 1.5) * 2 * Math.sqrt(base);
    values.push(Math.max(0, base + noise + (r() < 0.003 ? 400 : 0)));
  }
  return { start: Date.UTC(2026, 0, 1), stepMs: 300_000, values };
}

describe('forecasting', () => {
  it('beats seasonal naive on noisy seasonal data and calibrates its intervals', async () => {
    const s = synthetic(21);
    let absChosen = 0;
    let absNaive = 0;
    let inside80 = 0;
    let n = 0;
    for (let k = 3; k >= 1; k--) {
      const cut = s.values.length - k * 288;
      const hist = { ...s, values: s.values.slice(cut - 13 * 288, cut) }; // under two weeks: the daily models only
      const actual = s.values.slice(cut, cut + 288);
      const fc = await forecastSeries(hist, { horizon: 288 });
      const sn = seasonalNaive(288).forecast(hist.values, 288);
      fc.points.forEach((p, i) => {
        absChosen += Math.abs(actual[i]! - p.point);
        absNaive += Math.abs(actual[i]! - sn[i]!);
        if (actual[i]! >= p.intervals['0.8']!.lower && actual[i]! <= p.intervals['0.8']!.upper) inside80++;
        n++;
      });
      expect(fc.points).toHaveLength(288);
      expect(fc.points[0]!.ts).toBe(hist.start + hist.values.length * hist.stepMs);
      expect(fc.backtest.models.map((m) => m.model)).toEqual(expect.arrayContaining(['snaive', 'naive', 'smedian-7', 'holt-winters', 'mstl-day']));
      for (const p of fc.points) expect(p.intervals['0.95']!.upper).toBeGreaterThanOrEqual(p.intervals['0.8']!.upper);
    }
    // Seasonal naive copies yesterday's noise: a median profile removes most of it.
    expect(absChosen / absNaive).toBeLessThan(0.85);
    expect(inside80 / n).toBeGreaterThan(0.7);
    expect(inside80 / n).toBeLessThan(0.92);
  });

  it('falls back to seasonal naive, and says so, when nothing beats it', async () => {
    // A perfectly repeating day: seasonal naive is exact; nothing can beat it.
    const values = Array.from({ length: 10 * 288 }, (_, i) => 50 + 40 * Math.sin((2 * Math.PI * i) / 288) + (((i % 288) * 7919) % 13));
    const auto = await forecastSeries({ start: 0, stepMs: 300_000, values }, { horizon: 288 });
    expect(auto.model).toBe('snaive');
    expect(auto.note).toMatch(/no model beat seasonal naive/);
    // Models given explicitly are the only candidates: the better of the two, and the note says it lost.
    const fc = await forecastSeries({ start: 0, stepMs: 300_000, values }, { horizon: 288, models: ['naive', 'holt-winters'] });
    expect(['naive', 'holt-winters']).toContain(fc.model);
    expect(fc.note).toMatch(/no model beat seasonal naive/);
  });

  it('applies event multipliers and refuses fewer than 12 points', async () => {
    const s = synthetic(8);
    const start = s.start + s.values.length * s.stepMs;
    const fc = await forecastSeries(s, { horizon: 48, models: ['smedian-7'], events: [{ name: 'sale', start: start + 12 * 300_000, end: start + 24 * 300_000, multiplier: 5 }] });
    const plain = await forecastSeries(s, { horizon: 48, models: ['smedian-7'] });
    expect(fc.points[15]!.point).toBeCloseTo(plain.points[15]!.point * 5, 6);
    expect(fc.points[30]!.point).toBeCloseTo(plain.points[30]!.point, 6);
    await expect(forecastSeries({ ...s, values: s.values.slice(0, 11) }, { horizon: 288 })).rejects.toMatchObject({ code: 'ST_ERR_INPUT_FORMAT' });
    await expect(forecastSeries(s, { horizon: 10, models: ['prophet-9000'] })).rejects.toMatchObject({ code: 'ST_ERR_USAGE' });
  });

  it('reads CSV, infers the step and interpolates gaps', () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-fc-'));
    const f = join(dir, 's.csv');
    writeFileSync(f, 'timestamp,value\n2015-02-26 21:40:00,10\n2015-02-26 21:45:00,20\n2015-02-26 21:50:00,oops\n2015-02-26 22:00:00,40\n2015-02-26 22:05:00,50\n');
    const { series, skipped } = readSeriesCsv(f);
    expect(skipped).toBe(1);
    expect(series.stepMs).toBe(300_000);
    expect(series.values).toEqual([10, 20, 26.666666666666668, 33.333333333333336, 40, 50]);
  });

  it('models are pure and shaped like the data', () => {
    const y = synthetic(6).values;
    expect(seasonalMedian(288, 3).forecast(y, 288)).toHaveLength(288);
    expect(holtWinters(288).forecast(y, 10).every((v) => v >= 0)).toBe(true);
    expect(seasonalNaive(288).forecast(y, 3)).toEqual(y.slice(-288, -285));
  });
});
