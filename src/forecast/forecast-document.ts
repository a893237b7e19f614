import { FORECAST_KIND, FORECAST_VERSION, type ForecastDocument, type Metric, type SkipReport } from '../common/index.js';
import type { ForecastResult } from './forecast.js';

/** A figure as JSON carries it: NaN and ±Infinity (undefined scores) become null. */
const metric = (x: number): Metric => (Number.isFinite(x) ? x : null);
const metrics = (o: Record<string, number>): Record<string, Metric> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, metric(v)]));

/**
 * The forecast document (`shadowtwin forecast --json`, the forecast contract)
 * of a result; `skips` are the input rows the loader skipped.
 */
export function forecastDocument(r: ForecastResult, skips?: SkipReport): ForecastDocument {
  const b = r.backtest;
  return {
    kind: FORECAST_KIND, version: FORECAST_VERSION,
    unit: r.unit, stepMs: r.stepMs, points: r.points, model: r.model, baseline: r.baseline,
    backtest: {
      mase: metric(b.mase), smape: metric(b.smape), relMae: metric(b.relMae), coverage: metrics(b.coverage), folds: b.folds, horizon: b.horizon,
      models: b.models.map((m) => ({ model: m.model, mae: metric(m.mae), mase: metric(m.mase), smape: metric(m.smape), relMae: metric(m.relMae), beatsBaseline: m.beatsBaseline, fitMs: m.fitMs })),
    },
    ...(skips?.total ? { skipped: skips.toJSON() } : {}),
    ...(skips?.warnings.length ? { warnings: [...skips.warnings] } : {}),
    ...(r.note ? { note: r.note } : {}),
    season: { ...r.season, candidates: r.season.candidates.map((c) => ({ ...c, acf: metric(c.acf), acfHalf: metric(c.acfHalf) })) },
    ...(r.anomalies ? { anomalies: r.anomalies } : {}),
  };
}
