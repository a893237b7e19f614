import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/common/index.js';
import { cleanOutliers, detectSeason, forecastSeries, type Series } from '../../../src/forecast/index.js';

/** Poisson-like 5-minute counts with a daily cycle. */
function counts(days: number, seed: number): number[] {
  const r = seededRandom(seed);
  const out: number[] = [];
  for (let i = 0; i < days * 288; i++) {
    const mean = 80 + 50 * Math.sin((2 * Math.PI * i) / 288);
    out.push(Math.max(0, Math.round(mean + (r() + r() + r() - 1.5) * 2 * Math.sqrt(mean))));
  }
  return out;
}

describe('anomaly-aware training', () => {
  it('replaces an incident (a spike and an outage) with what neighbouring days say, and little else', () => {
    const y = counts(10, 3);
    const spike = 4 * 288 + 100;
    const outage = 6 * 288 + 40;
    for (let i = 0; i < 6; i++) y[spike + i] = y[spike + i]! * 6;
    for (let i = 0; i < 12; i++) y[outage + i] = 0;
    const { values, replaced } = cleanOutliers(y, 288);
    for (let i = 0; i < 6; i++) expect(replaced).toContain(spike + i);
    for (let i = 0; i < 12; i++) expect(replaced).toContain(outage + i);
    // Ordinary Poisson noise is left alone: few false positives among the other 2,862 points.
    expect(replaced.filter((i) => (i < spike || i >= spike + 6) && (i < outage || i >= outage + 12)).length).toBeLessThan(15);
    const expected = (80 + 50 * Math.sin((2 * Math.PI * (spike % 288)) / 288));
    expect(Math.abs(values[spike]! - expected) / expected).toBeLessThan(0.35);
  });

  it('leaves a series too short to judge untouched', () => {
    expect(cleanOutliers([1, 2, 3, 400, 5], 288).replaced).toEqual([]);
  });

  it('with cleanAnomalies, cleaned models compete and the replaced stretches are reported', async () => {
    const y = counts(12, 5);
    for (let i = 0; i < 24; i++) y[8 * 288 + 150 + i] = y[8 * 288 + 150 + i]! * 8;
    const s: Series = { start: Date.UTC(2026, 0, 1), stepMs: 300_000, values: y };
    const r = await forecastSeries(s, { horizon: 288, cleanAnomalies: true, folds: 2 });
    expect(r.backtest.models.map((m) => m.model)).toEqual(expect.arrayContaining(['holt-winters+clean', 'mstl-day+clean']));
    expect(r.anomalies!.ranges.some((g) => g.start <= s.start + (8 * 288 + 150) * 300_000 && g.end >= s.start + (8 * 288 + 170) * 300_000)).toBe(true);
  });
});

describe('Prophet (augurs, opt-in)', () => {
  it('fits a daily cycle, competes in the backtest, and learns a calendar event from past occurrences', async () => {
    const y = counts(15, 9);
    const start = Date.UTC(2026, 0, 1);
    // A two-hour campaign every day at 12:00 triples traffic.
    for (let d = 0; d < 15; d++) for (let i = 144; i < 168; i++) y[d * 288 + i] = y[d * 288 + i]! * 3;
    const events = Array.from({ length: 16 }, (_, d) => ({ name: 'noon-campaign', start: start + d * 86_400_000 + 12 * 3_600_000, end: start + d * 86_400_000 + 14 * 3_600_000, multiplier: 3 }));
    const r = await forecastSeries({ start, stepMs: 300_000, values: y }, { horizon: 288, models: ['prophet'], events, folds: 2 });
    const p = r.backtest.models.find((m) => m.model === 'prophet');
    expect(p, r.note).toBeDefined();
    expect(p!.relMae).toBeLessThan(1.2);
    expect(r.model).toBe('prophet');
    expect(r.note).toMatch(/learned the effect of noon-campaign/);
    // Not multiplied twice: the campaign hours come out near 3× the usual level, not 9×.
    const noon = r.points[150]!.point;
    expect(noon).toBeGreaterThan(150);
    expect(noon).toBeLessThan(600);
  });
});

describe('season detection', () => {
  const make = (periodSteps: number, amp: number, seed: number, n = 14 * 288): number[] => {
    const r = seededRandom(seed);
    return Array.from({ length: n }, (_, i) => Math.max(0, 100 + amp * Math.sin((2 * Math.PI * i) / periodSteps) + (r() + r() + r() - 1.5) * 20));
  };

  it('finds an hourly or a daily cycle in 5-minute counts, and none in noise', () => {
    expect(detectSeason(make(12, 40, 1), 300_000)).toMatchObject({ period: 12, detected: true });
    expect(detectSeason(make(288, 40, 2), 300_000)).toMatchObject({ period: 288, detected: true });
    const noise = detectSeason(make(288, 0, 3), 300_000);
    expect(noise.detected).toBe(false);
    expect(noise.period).toBe(288); // one day when nothing shows
  });

  it('is not fooled by a smooth trend or by bursts', () => {
    const trend = Array.from({ length: 14 * 288 }, (_, i) => 100 + i / 10);
    expect(detectSeason(trend, 300_000).detected).toBe(false);
    const bursty = make(288, 40, 4);
    for (let i = 100; i < bursty.length; i += 977) bursty[i] = 50_000;
    expect(detectSeason(bursty, 300_000)).toMatchObject({ period: 288, detected: true });
  });

  it('forecastSeries reports the season it used and where it came from', async () => {
    const s: Series = { start: Date.UTC(2026, 0, 1), stepMs: 300_000, values: make(288, 40, 5) };
    expect((await forecastSeries(s, { horizon: 12, folds: 2 })).season).toMatchObject({ period: 288, source: 'detected' });
    expect((await forecastSeries(s, { horizon: 12, folds: 2, period: 12 })).season).toMatchObject({ period: 12, source: 'given' });
  });
});
