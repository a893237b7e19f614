import type { PointModel } from './baselines.js';

/**
 * Non-seasonal models for histories too short for any calendar cycle (a new
 * service, a controller's first hours): random walk with drift, simple
 * exponential smoothing, Holt's linear trend and Gardner–McKenzie damped
 * trend. Smoothing parameters come from a small grid by in-sample one-step
 * squared error. Pure; forecasts are clipped at 0 (rates).
 */

/** Random walk with drift: the last value plus the mean step over the history. */
export const drift: PointModel = {
  name: 'drift',
  forecast(y, h) {
    const n = y.length;
    const last = y[n - 1] ?? 0;
    const slope = n > 1 ? (last - y[0]!) / (n - 1) : 0;
    return Array.from({ length: h }, (_, i) => Math.max(0, last + slope * (i + 1)));
  },
};

interface HoltFit { sse: number; level: number; trend: number }

/** Holt's recursion with damping `phi` (phi = 1: linear trend; beta = 0 and no initial trend: SES). */
function holtRun(y: readonly number[], alpha: number, beta: number, phi: number, withTrend: boolean): HoltFit {
  let level = y[0]!;
  let trend = withTrend && y.length > 1 ? y[1]! - y[0]! : 0;
  let sse = 0;
  for (let t = 1; t < y.length; t++) {
    const pred = level + phi * trend;
    const e = y[t]! - pred;
    sse += e * e;
    const prev = level;
    level = pred + alpha * e;
    if (withTrend) trend = beta * (level - prev) + (1 - beta) * phi * trend;
  }
  return { sse, level, trend };
}

function holtFamily(name: string, alphas: number[], betas: number[], phis: number[], withTrend: boolean): PointModel {
  return {
    name,
    forecast(y, h) {
      if (y.length < 3) return new Array<number>(h).fill(y[y.length - 1] ?? 0);
      let best: (HoltFit & { phi: number }) | undefined;
      for (const a of alphas) for (const b of betas) for (const phi of phis) {
        const r = holtRun(y, a, b, phi, withTrend);
        if (!best || r.sse < best.sse) best = { ...r, phi };
      }
      const { level, trend, phi } = best!;
      const out: number[] = [];
      let damp = 0;
      for (let i = 1; i <= h; i++) {
        damp += phi ** i;
        out.push(Math.max(0, level + (withTrend ? damp * trend : 0)));
      }
      return out;
    },
  };
}

const ALPHAS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.8];
/** Simple exponential smoothing (level only). */
export const ses: PointModel = holtFamily('ses', ALPHAS, [0], [1], false);
/** Holt's linear trend (undamped). */
export const holtLinear: PointModel = holtFamily('holt', ALPHAS, [0.01, 0.05, 0.2], [1], true);
/**
 * Damped trend (Gardner & McKenzie): the trend fades by `phi` per step, so a
 * ramp that levels off does not keep climbing over the horizon (the scaler's
 * short-term forecaster damps its fitted line for the same reason).
 */
export const dampedTrend: PointModel = holtFamily('damped-trend', ALPHAS, [0.01, 0.05, 0.2], [0.8, 0.9, 0.95, 0.98], true);
