import type { SeasonCandidate } from '../common/index.js';

/**
 * Season detection for request-rate series: which of the calendar cycles
 * that matter for traffic (hour, day, week) the history shows. A cycle of
 * `p` steps is present when the autocorrelation at lag `p` is clearly
 * positive and clearly above the autocorrelation at lag `p/2` (half a cycle
 * away a seasonal series is at its opposite phase; a merely smooth series
 * correlates more at the shorter lag). A cycle is tested with at least two
 * of them in the history, on square roots clipped to their 1st–99th
 * percentiles. The forecaster reports this evidence; which cycles compete
 * is decided by what the history supports (`planSeasons`) and the backtest. augurs' `seasons`
 * (periodogram) proposed 341, 511 or 256 steps instead of 288 on the shared
 * 5-minute series, so we do not use it.
 */
/** Declared with the forecast document (src/common/contracts/forecast.ts). */
export type { SeasonCandidate };

export interface SeasonDetection {
  /** The primary season in steps (the shortest present cycle; one day when none is). */
  period: number;
  detected: boolean;
  candidates: SeasonCandidate[];
}

const CYCLES: ReadonlyArray<[string, number]> = [['hour', 3_600_000], ['day', 86_400_000], ['week', 7 * 86_400_000]];

function acf(y: readonly number[], mean: number, variance: number, lag: number): number {
  let s = 0;
  for (let i = lag; i < y.length; i++) s += (y[i]! - mean) * (y[i - lag]! - mean);
  return s / ((y.length - lag) * variance);
}

export function detectSeason(raw: readonly number[], stepMs: number): SeasonDetection {
  // Bursts dominate the variance of request counts (one AAPL burst took the day-lag ACF to 0): judge
  // the square roots, clipped to their 1st–99th percentiles.
  const roots = raw.map((v) => Math.sqrt(Math.max(0, v)));
  const sorted = [...roots].sort((a, b) => a - b);
  const lo = sorted[Math.floor(0.01 * (sorted.length - 1))] ?? 0;
  const hi = sorted[Math.ceil(0.99 * (sorted.length - 1))] ?? 0;
  const y = roots.map((v) => Math.min(hi, Math.max(lo, v)));
  const n = y.length;
  const mean = y.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const variance = y.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n);
  const candidates: SeasonCandidate[] = [];
  for (const [name, ms] of CYCLES) {
    const steps = Math.round(ms / stepMs);
    if (steps < 4 || Math.abs(steps * stepMs - ms) > stepMs / 2 || n < 2 * steps || variance === 0) continue;
    const a = acf(y, mean, variance, steps);
    const half = acf(y, mean, variance, Math.round(steps / 2));
    candidates.push({ name, steps, acf: round(a), acfHalf: round(half), present: a > 0.1 && a - half > 0.1 });
  }
  const present = candidates.filter((c) => c.present);
  const dayFallback = Math.max(1, Math.round(86_400_000 / stepMs));
  return { period: present[0]?.steps ?? dayFallback, detected: present.length > 0, candidates };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
