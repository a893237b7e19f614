import type { ForecastResult } from './forecast.js';

/**
 * A forecast's points in requests per second, whatever unit the series was
 * in. Consumers that compare with per-second figures (capacity, the scaler)
 * go through this: a forecast in requests per step (a one-minute model's
 * counts) read as per second is 60× the load.
 */
export function pointsPerSecond(r: Pick<ForecastResult, 'unit' | 'stepMs' | 'points'>): Array<{ ts: number; point: number; lower: number; upper: number }> {
  const k = r.unit === 'req/s' ? 1 : 1000 / r.stepMs;
  return r.points.map((p) => ({ ts: p.ts, point: p.point * k, lower: p.lower * k, upper: p.upper * k }));
}
