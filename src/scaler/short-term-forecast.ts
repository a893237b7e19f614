/**
 * Short-horizon rate forecast for scaling decisions: a least-squares line
 * through the recent observed rate, extrapolated with a damped trend
 * (Gardner & McKenzie), with the line's prediction interval. Seasonal models need days of history; this needs a minute of it and
 * answers "where will the rate be when a replica started now is ready".
 * Damping matters at the end of a ramp: an undamped trend keeps climbing
 * after the load has levelled off and buys replicas nobody needs (the first
 * version of the scaling benchmark paid 1.5× the reactive replica-minutes).
 */
export interface RatePoint { t: number; rate: number }
export interface ShortForecastPoint { ts: number; point: number; upper: number }

export interface DampedTrendOptions {
  /** Points used (the most recent), default 30. */
  window?: number;
  /** Fewer points than this: no trend, the recent mean (default 10; a trend from a handful of Poisson counts is noise). */
  minPoints?: number;
  /** Damping per step, 0 < φ ≤ 1 (1 = straight extrapolation), default 0.95. */
  phi?: number;
  /** z of the upper bound, default 1.28 (80% one-sided 90%). */
  z?: number;
}

/**
 * Forecast from `now` to `now + aheadMs` every `stepMs` (the spacing of the
 * input points).
 */
export function dampedTrendForecast(points: readonly RatePoint[], now: number, aheadMs: number, stepMs: number, o: DampedTrendOptions = {}): ShortForecastPoint[] {
  const pts = points.slice(-(o.window ?? 30));
  const phi = o.phi ?? 0.95;
  const z = o.z ?? 1.28;
  if (pts.length < (o.minPoints ?? 10)) {
    const n = Math.max(1, pts.length);
    const mean = pts.reduce((a, p) => a + p.rate, 0) / n;
    const sd = pts.length > 1 ? Math.sqrt(pts.reduce((a, p) => a + (p.rate - mean) ** 2, 0) / (pts.length - 1)) : 0;
    return [{ ts: now, point: mean, upper: mean + z * sd }, { ts: now + aheadMs, point: mean, upper: mean + z * sd }];
  }
  // Least squares over the window: with per-second Poisson counts a fitted line is far steadier than
  // exponential smoothing, whose weights chase the noise.
  const n = pts.length;
  const mt = pts.reduce((acc, p) => acc + p.t, 0) / n;
  const my = pts.reduce((acc, p) => acc + p.rate, 0) / n;
  const sxx = pts.reduce((acc, p) => acc + (p.t - mt) ** 2, 0);
  const slope = sxx > 0 ? pts.reduce((acc, p) => acc + (p.t - mt) * (p.rate - my), 0) / sxx : 0; // per ms
  const resid = pts.reduce((acc, p) => acc + (p.rate - (my + slope * (p.t - mt))) ** 2, 0);
  const sigma = Math.sqrt(resid / Math.max(1, n - 2));
  const lastT = pts.at(-1)!.t;
  const level = my + slope * (lastT - mt);
  const dampSum = (j: number): number => (phi === 1 ? j : (phi * (1 - phi ** j)) / (1 - phi));
  const out: ShortForecastPoint[] = [];
  for (let ts = now; ts <= now + aheadMs; ts += stepMs) {
    const h = Math.max(0, (ts - lastT) / stepMs);
    const point = Math.max(0, level + slope * stepMs * dampSum(h));
    // Prediction interval of the fitted line at that time (the damped path stays inside the undamped one's).
    const tx = lastT + h * stepMs;
    const se = sigma * Math.sqrt(1 + 1 / n + (sxx > 0 ? (tx - mt) ** 2 / sxx : 0));
    out.push({ ts, point, upper: point + z * se });
  }
  return out;
}
