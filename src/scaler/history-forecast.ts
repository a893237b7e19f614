import { ShadowtwinError } from '../common/index.js';
import { checkHorizon, describeSkips, forecastSeries, pointsPerSecond, seriesFromFile, seriesFromPrometheus, staleHistoryWarning, type Series } from '../forecast/index.js';
import type { ForecastPointLike } from './policy.js';
import type { ScalerConfig } from './scaler-config.js';

export type HistorySource = NonNullable<ScalerConfig['history']>;

const fmt = (ms: number): string => (ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** Reads a history: a file (CSV, request model, capture) or a Prometheus range query. Warnings go to `warn`. */
export async function loadHistory(h: HistorySource, now: number, warn: (message: string) => void): Promise<Series> {
  if (h.kind === 'prometheus') {
    try {
      return await seriesFromPrometheus(h.url, h.query, h.sinceMs, h.stepMs, h.token);
    } catch (err) {
      if (err instanceof ShadowtwinError) throw err;
      throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `Prometheus ${h.url}: ${(err as Error).message}`, { cause: err });
    }
  }
  const { series, skips } = await seriesFromFile(h.file, { csvUnit: h.unit, stepMs: h.stepMs });
  if (skips?.total) warn(`skipped ${skips.total} row(s) of ${h.file}: ${describeSkips(skips)}`);
  for (const w of skips?.warnings ?? []) warn(w);
  const stale = staleHistoryWarning(series, now);
  if (stale) warn(stale);
  return series;
}

/**
 * The planning forecast: the backtested forecaster (`forecastSeries`) over
 * the history, `horizonMs` ahead in the history's steps, per second (capacity
 * is per second), on the loop's clock: the forecast's first point is "the
 * next step" after `now` (a history that ended long ago is planned from now,
 * with a warning). `horizonText` names the horizon in messages.
 */
export async function planningForecast(series: Series, now: number, horizonMs: number, horizonText = fmt(horizonMs)): Promise<ForecastPointLike[]> {
  const steps = Math.max(1, Math.round(horizonMs / series.stepMs));
  checkHorizon(steps, series, horizonText);
  const r = await forecastSeries(series, { horizon: steps });
  const shift = now - r.points[0]!.ts + series.stepMs;
  return pointsPerSecond(r).map((p) => ({ ts: p.ts + shift, point: p.point, upper: p.upper }));
}
