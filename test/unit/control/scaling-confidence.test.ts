import { describe, expect, it } from 'vitest';
import { forecastConfidence, planningForecast, type ForecastLike } from '../../../src/control/scaling/forecast-confidence.js';

function forecast(relMae: number, coverage: number): ForecastLike {
  return {
    backtest: { relMae, coverage: { '0.8': coverage, '0.95': Math.min(1, coverage + 0.1) } },
    points: [0, 1, 2].map((i) => ({
      ts: 60_000 * (i + 1), point: 100 + i * 10, lower: 80, upper: 120 + i * 10,
      intervals: { '0.8': { lower: 80, upper: 120 + i * 10 }, '0.95': { lower: 70, upper: 140 + i * 10 } },
    })),
  };
}

describe('forecast confidence', () => {
  it('is coverage (against the level) times accuracy (1.5 − relMAE, clamped)', () => {
    expect(forecastConfidence({ relMae: 0.4, coverage: { '0.8': 0.8 } }, 0.8)).toBe(1);
    expect(forecastConfidence({ relMae: 0.4, coverage: { '0.8': 0.9 } }, 0.8)).toBe(1);
    expect(forecastConfidence({ relMae: 1, coverage: { '0.8': 0.8 } }, 0.8)).toBe(0.5);
    expect(forecastConfidence({ relMae: 0.5, coverage: { '0.8': 0.6 } }, 0.8)).toBe(0.75);
    expect(forecastConfidence({ relMae: 2, coverage: { '0.8': 0.8 } }, 0.8)).toBe(0);
    // No coverage figure for the level: half credit.
    expect(forecastConfidence({ relMae: 0.5, coverage: {} }, 0.8)).toBe(0.5);
    expect(forecastConfidence({ relMae: Number.NaN, coverage: { '0.8': 0.8 } }, 0.8)).toBe(0);
  });

  it('plans on the forecast as is when confident', () => {
    const p = planningForecast(forecast(0.5, 0.8), 0.8, 0.5);
    expect(p.conservative).toBe(false);
    expect(p.confidence).toBe(1);
    expect(p.points).toEqual([{ ts: 60_000, point: 100, upper: 120 }, { ts: 120_000, point: 110, upper: 130 }, { ts: 180_000, point: 120, upper: 140 }]);
    expect(p.note).toBeUndefined();
  });

  it('plans on the widest interval\'s upper bound when the confidence is below the minimum', () => {
    const p = planningForecast(forecast(1.2, 0.4), 0.8, 0.5);
    expect(p.confidence).toBeCloseTo(0.15, 6);
    expect(p.conservative).toBe(true);
    expect(p.points).toEqual([{ ts: 60_000, point: 140, upper: 140 }, { ts: 120_000, point: 150, upper: 150 }, { ts: 180_000, point: 160, upper: 160 }]);
    expect(p.note).toBe('low forecast confidence 0.15 (< 0.5): planned on the 95% interval\'s upper bound');
    // The same forecast with a lower bar is planned as is.
    expect(planningForecast(forecast(1.2, 0.4), 0.8, 0.1).conservative).toBe(false);
  });
});
