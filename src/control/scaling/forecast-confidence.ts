import type { ForecastPointLike } from '../../scaler/index.js';

/** What the rule needs of a forecast (a `ForecastResult`). */
export interface ForecastLike {
  points: ReadonlyArray<{ ts: number; point: number; lower: number; upper: number; intervals: Record<string, { lower: number; upper: number }> }>;
  backtest: { relMae: number; coverage: Record<string, number> };
}

/**
 * How far the forecast can be trusted, 0–1, from its backtest:
 * coverage × accuracy, where
 * - coverage = min(1, observed coverage of the `level` interval / level)
 *   (an 80% interval that held 60% of the time scores 0.75; no figure: 0.5),
 * - accuracy = clamp(1.5 − relMAE, 0, 1) (relMAE is the error relative to
 *   the naive baseline: ≤ 0.5 scores 1, as good as naive 0.5, ≥ 1.5 scores 0).
 */
export function forecastConfidence(backtest: ForecastLike['backtest'], level: number): number {
  const covered = backtest.coverage[String(level)];
  const coverage = typeof covered === 'number' && Number.isFinite(covered) ? Math.min(1, covered / level) : 0.5;
  const accuracy = Number.isFinite(backtest.relMae) ? Math.min(1, Math.max(0, 1.5 - backtest.relMae)) : 0;
  return Math.round(coverage * accuracy * 1000) / 1000;
}

export interface PlanningForecast {
  points: ForecastPointLike[];
  confidence: number;
  /** True when the confidence was below the target's minimum: the points are the widest interval's upper bounds. */
  conservative: boolean;
  /** Why (appended to the proposal's reason when conservative). */
  note?: string;
}

/**
 * The points a scale loop plans on. Confident (≥ `minConfidence`): the
 * forecast as is (the policy itself uses the upper bound where the interval
 * is wide). Low confidence: every point becomes the upper bound of the
 * widest interval the forecast has (the conservative proposal: sized for
 * the high end of what the forecaster thinks possible). Pure.
 */
export function planningForecast(f: ForecastLike, level: number, minConfidence: number): PlanningForecast {
  const confidence = forecastConfidence(f.backtest, level);
  if (confidence >= minConfidence) return { points: f.points.map((p) => ({ ts: p.ts, point: p.point, upper: p.upper })), confidence, conservative: false };
  const levels = Object.keys(f.points[0]?.intervals ?? {}).map(Number).filter(Number.isFinite).sort((a, b) => b - a);
  const widest = levels[0];
  const points = f.points.map((p) => {
    const high = Math.max(p.point, p.upper, ...Object.values(p.intervals).map((i) => i.upper));
    return { ts: p.ts, point: high, upper: high };
  });
  const what = widest !== undefined ? `the ${Math.round(widest * 100)}% interval's upper bound` : 'the upper bound';
  return { points, confidence, conservative: true, note: `low forecast confidence ${confidence} (< ${minConfidence}): planned on ${what}` };
}
