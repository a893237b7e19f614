import type { ScaleRecordDocument } from '../common/index.js';
import type { FeedbackState } from './feedback.js';
import type { ForecastPointLike } from './policy.js';
import type { Proposal, ScaleRecord, ValidationAttempt } from './scale-round.js';

/** Which forecast a round planned on: the history's (planning horizon), the damped trend of fed windows (lead time), or the caller's. */
export type ForecastSource = 'history' | 'short-term' | 'history+short-term' | 'custom';

export interface ScaleForecastEvent { at: number; source: ForecastSource; points: ForecastPointLike[] }

/**
 * Everything a scale loop emits, declared once (listener argument tuples).
 * Per round, in order: `feedback` (when there was an observation),
 * `forecast`, `proposal`, `validation` (per attempt), `decision`, then
 * `round` (the record) and `record` (its document).
 */
export interface ScaleLoopEvents {
  feedback: [FeedbackState];
  forecast: [ScaleForecastEvent];
  proposal: [Proposal];
  validation: [ValidationAttempt];
  decision: [ScaleRecord];
  round: [ScaleRecord];
  record: [ScaleRecordDocument];
  /** Something the user should know (a skipped row, a stale history); each message once. */
  warning: [string];
  /** A round of a started loop failed (the loop keeps going). */
  error: [Error];
}

/** Event names, in the order a round emits them. */
export const SCALE_LOOP_EVENTS = ['feedback', 'forecast', 'proposal', 'validation', 'decision', 'round', 'record', 'warning', 'error'] as const satisfies ReadonlyArray<keyof ScaleLoopEvents>;
