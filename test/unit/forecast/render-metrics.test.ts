import { describe, expect, it } from 'vitest';
import { renderForecast } from '../../../src/forecast/index.js';
import type { ForecastResult } from '../../../src/forecast/index.js';

const result = (mase: number, relMae: number): ForecastResult => ({
  model: 'snaive', baseline: 'snaive', unit: 'req/s', stepMs: 300_000,
  season: { period: 288, source: 'supported', candidates: [] },
  backtest: { folds: 4, horizon: 12, mase, smape: 0, relMae, coverage: { '0.8': 1 }, models: [{ model: 'snaive', mae: 0, mase, smape: 0, relMae, fitMs: 0 }] },
  points: [{ ts: 0, point: 1, lower: 1, upper: 1, intervals: {} }],
} as unknown as ForecastResult);

describe('forecast text: scores that are not numbers', () => {
  it('prints n/a and says why instead of Infinity or NaN', () => {
    const text = renderForecast(result(Infinity, NaN));
    expect(text).not.toMatch(/Infinity|NaN/);
    expect(text).toMatch(/MASE n\/a  sMAPE/);
    expect(text).toMatch(/MASE n\/a: the history does not change/);
    expect(text).toMatch(/MAE vs seasonal naive n\/a: seasonal naive made no error/);
  });
  it('says when MAE relative to the baseline is extreme (a spike in the baseline error)', () => {
    expect(renderForecast(result(0.5, 8.96e-6))).toMatch(/MAE vs seasonal naive 0\.000 is extreme: .*dominated by a few points/);
    expect(renderForecast(result(0.5, 0.8))).not.toMatch(/extreme/);
  });
});
