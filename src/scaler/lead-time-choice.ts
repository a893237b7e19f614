import type { ForecastPointLike } from './policy.js';

/** A prediction of both forecasts for one moment, scored once a fed window covers it. */
export interface PendingComparison { dueAt: number; short: number; history: number }

export interface LeadTimeScores {
  /** Predictions waiting for their moment. */
  pending: PendingComparison[];
  /** Mean absolute relative error of each forecast at the lead time, over `n` scored moments. */
  shortError: number;
  historyError: number;
  n: number;
}

export const EMPTY_SCORES: LeadTimeScores = { pending: [], shortError: 0, historyError: 0, n: 0 };

/** Scored comparisons before the measurement decides (until then the damped trend of fed windows is used). */
export const MIN_COMPARISONS = 3;

/** The forecast's value at `ts` (the nearest point at or after it, else the last). */
export function valueAt(points: readonly ForecastPointLike[], ts: number): number | undefined {
  return (points.find((p) => p.ts >= ts) ?? points.at(-1))?.point;
}

/**
 * Which forecast covers the lead-time horizon, by measurement: each round
 * with both forecasts notes what each predicted for now + lead time; when
 * the observed rate reaches that moment, both are scored (relative error).
 * The damped trend of fed windows is used until `MIN_COMPARISONS` moments
 * are scored, then whichever has the lower mean error. Pure.
 */
export function scoreLeadTime(s: LeadTimeScores, rates: ReadonlyArray<{ t: number; rate: number }>): LeadTimeScores {
  const last = rates.at(-1);
  if (!last) return s;
  let { shortError, historyError, n } = s;
  const pending: PendingComparison[] = [];
  for (const p of s.pending) {
    if (p.dueAt > last.t) { pending.push(p); continue; }
    const observed = rates.find((r) => r.t >= p.dueAt)?.rate ?? last.rate;
    if (!(observed > 0)) continue;
    n++;
    shortError += (Math.abs(p.short - observed) / observed - shortError) / n;
    historyError += (Math.abs(p.history - observed) / observed - historyError) / n;
  }
  return { pending, shortError, historyError, n };
}

export function useShortTerm(s: LeadTimeScores): boolean {
  return s.n < MIN_COMPARISONS || s.shortError <= s.historyError;
}

/** Notes both predictions for `dueAt` (at most 1000 pending). */
export function notePrediction(s: LeadTimeScores, dueAt: number, short: readonly ForecastPointLike[], history: readonly ForecastPointLike[]): LeadTimeScores {
  const a = valueAt(short, dueAt);
  const b = valueAt(history, dueAt);
  if (a === undefined || b === undefined) return s;
  return { ...s, pending: [...s.pending, { dueAt, short: a, history: b }].slice(-1000) };
}
