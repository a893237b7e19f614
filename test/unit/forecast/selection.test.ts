import { describe, expect, it } from 'vitest';
import { syntheticRate } from '../../../bench/lib/synthetic-series.js';
import { forecastSeries, initMstl, mstl, seasonalMedian, seasonalNaive, type Series } from '../../../src/forecast/index.js';

const mae = (a: readonly number[], f: readonly number[]): number => a.reduce((s, x, i) => s + Math.abs(x - f[i]!), 0) / a.length;
const DAILY_ONLY = ['snaive', 'smedian-3', 'smedian-7', 'smedian-7-level', 'holt-winters', 'mstl-day'];

describe('forecast model selection', () => {
  it('with two weeks of a strong weekly cycle, picks a weekly-aware model that beats the daily-only ones and plain MSTL [day, week]', async () => {
    // 30-minute steps, weekends at 35% of weekdays. History: Saturday to Friday, twice; the forecast is for a Saturday,
    // where anything that knows only the day predicts a weekday.
    const s = syntheticRate({ days: 20, stepMs: 1_800_000, weekend: 0.35, seed: 11 });
    const day = 48;
    const history: Series = { ...s, start: s.start + 5 * day * s.stepMs, values: s.values.slice(5 * day, 19 * day) };
    const actual = s.values.slice(19 * day, 20 * day);
    const fc = await forecastSeries(history, { horizon: day });
    expect(fc.season).toMatchObject({ period: day, week: 7 * day });
    const ranked = fc.backtest.models.filter((m) => m.model !== 'ensemble');
    // The best single model in the backtest knows the week, and every daily-only model scored worse.
    expect(ranked[0]!.model).toMatch(/week/);
    const bestDaily = Math.min(...ranked.filter((m) => DAILY_ONLY.includes(m.model)).map((m) => m.mae));
    expect(fc.backtest.models.find((m) => m.model === fc.model)!.mae).toBeLessThan(0.6 * bestDaily);
    // Out of sample, on the Saturday.
    const chosen = mae(actual, fc.points.map((p) => p.point));
    expect(chosen).toBeLessThan(0.5 * mae(actual, seasonalNaive(day).forecast(history.values, day)));
    expect(chosen).toBeLessThan(0.5 * mae(actual, seasonalMedian(day, 7).forecast(history.values, day)));
    await initMstl();
    expect(chosen).toBeLessThanOrEqual(1.05 * mae(actual, mstl([day, 7 * day]).forecast(history.values, day)));
  });

  it('after a recent level shift (×1.5) a weekly cycle is forecast at the new level, better than plain MSTL [day, week]', async () => {
    // 30-minute steps, two weeks of history, the shift on day 11; origins 3 to 5 days after it. The weekly
    // models alone copy the week before the shift.
    const s = syntheticRate({ days: 17, stepMs: 1_800_000, weekend: 0.6, shifts: [{ at: 11, factor: 1.5 }], seed: 4 });
    const day = 48;
    await initMstl();
    let ours = 0;
    let plain = 0;
    for (const origin of [14, 15, 16]) {
      const history: Series = { ...s, start: s.start + (origin - 14) * day * s.stepMs, values: s.values.slice((origin - 14) * day, origin * day) };
      const actual = s.values.slice(origin * day, (origin + 1) * day);
      const fc = await forecastSeries(history, { horizon: day });
      ours += mae(actual, fc.points.map((p) => p.point));
      plain += mae(actual, mstl([day, 7 * day]).forecast(history.values, day));
    }
    // Measured: 0.35 of plain MSTL's error; 0.75 before the re-levelled models.
    expect(ours).toBeLessThan(0.5 * plain);
  });

  it('two hours of one-minute rates give a forecast with intervals, with or without a season or a model given', async () => {
    const values = Array.from({ length: 120 }, (_, i) => 3 + 0.01 * i + 0.4 * Math.sin(i * 1.7) + ((i * 7919) % 11) / 20);
    const s: Series = { start: Date.UTC(2026, 0, 1, 10), stepMs: 60_000, values, unit: 'req/s' };
    for (const opts of [{ horizon: 10 }, { horizon: 10, period: 60 }, { horizon: 60 }, { horizon: 10, period: 1440 }]) {
      const fc = await forecastSeries(s, opts);
      expect(fc.points).toHaveLength(opts.horizon);
      expect(fc.unit).toBe('req/s');
      for (const p of fc.points) {
        expect(Number.isFinite(p.point)).toBe(true);
        expect(p.upper).toBeGreaterThan(p.lower);
        expect(p.intervals['0.95']!.upper).toBeGreaterThanOrEqual(p.intervals['0.8']!.upper);
      }
    }
    // With no season the non-seasonal models compete against naive.
    const auto = await forecastSeries(s, { horizon: 10 });
    expect(auto.baseline === 'naive' || auto.season.period === 60).toBe(true);
    expect(auto.backtest.models.map((m) => m.model)).toEqual(expect.arrayContaining(['naive', 'drift', 'ses', 'holt', 'damped-trend', 'ets']));
    // A day asked for on two hours: no refusal, the note says why the season was not used.
    const day = await forecastSeries(s, { horizon: 10, period: 1440 });
    expect(day.season.source).toBe('none');
    expect(day.note).toMatch(/needs 2880 points of history \(have 120\)/);
  });

  it('--models naive means exactly naive', async () => {
    const s = syntheticRate({ days: 15, stepMs: 1_800_000, seed: 3 });
    const fc = await forecastSeries(s, { horizon: 48, models: ['naive'] });
    expect(fc.model).toBe('naive');
    const last = s.values[s.values.length - 1]!;
    for (const p of fc.points) expect(p.point).toBe(last);
    // The baseline is still scored (relMAE is against it) but only naive could be chosen.
    expect(fc.backtest.models.map((m) => m.model).sort()).toEqual(['naive', 'snaive']);
    await expect(forecastSeries(s, { horizon: 48, models: ['no-such-model'] })).rejects.toMatchObject({ code: 'ST_ERR_USAGE' });
  });
});
