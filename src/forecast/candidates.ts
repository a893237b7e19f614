import { levelAdjustedMedian, naive, seasonalMedian, seasonalNaive, smoothedSeasonalNaive, type PointModel } from './models/baselines.js';
import { backfilled } from './models/backfilled.js';
import { coarsened, coarseFactor } from './models/coarsened.js';
import { ets } from './models/ets.js';
import { holtWinters } from './models/holt-winters.js';
import { lstm } from './models/lstm.js';
import { mstl } from './models/mstl.js';
import { prophet } from './models/prophet.js';
import { weekdayProfile } from './models/weekday-profile.js';
import { dampedTrend, drift, holtLinear, ses } from './models/trend.js';
import { releveled } from './models/releveled.js';
import { cleanOutliers } from './outliers.js';

export interface CandidateEvent { name: string; start: number; end: number; multiplier: number }

export interface CandidateOptions {
  /** The primary season in steps (usually the day); none: only non-seasonal models. */
  period?: number;
  /** Its name (`day`, `hour`, or the step count), used in model names. */
  periodName?: string;
  /** The weekly cycle in steps: weekly-aware models compete too. */
  week?: number;
  /** Time of the history's first value and the step (Prophet needs timestamps). */
  startMs?: number;
  stepMs?: number;
  events?: readonly CandidateEvent[];
  lstm?: boolean;
  prophet?: boolean;
  cleanAnomalies?: boolean;
}

/**
 * The registry of models for a season plan. Without a daily cycle:
 * non-seasonal models (naive, drift, SES, Holt, damped trend, ETS), plus
 * the seasonal ones on the hour or given cycle if any. With the day: naive
 * and the seasonal models on it (trend models
 * extrapolated over a day of a seasonal series lost, and a straight line
 * 288 steps long is a risk), plus weekly-aware ones from two full weeks of
 * history. The backtest chooses.
 */
export function candidateModels(o: CandidateOptions): PointModel[] {
  const models: PointModel[] = [naive];
  const p = o.period;
  // Without the daily cycle (no season, or only an hour of a short history) trends and levels are
  // what a forecast has to go on.
  if (p === undefined || o.periodName !== 'day') models.push(drift, ses, holtLinear, dampedTrend, ets);
  if (p !== undefined) {
    const tag = o.periodName ?? String(p);
    models.push(
      seasonalNaive(p, 'snaive'), seasonalMedian(p, 3, 'smedian-3'), seasonalMedian(p, 7, 'smedian-7'),
      levelAdjustedMedian(p, 7, 'smedian-7-level'), holtWinters(p, 'holt-winters'),
    );
    // MSTL costs ~0.1 s per fit on 4,000 points: with the week in play only the [day, week] variant fits.
    // MSTL runs on blocks of at least 15 minutes of a day (96 per day): its cost is linear in the points.
    const k = coarseFactor(p);
    if (o.week === undefined) models.push(coarsened(`mstl-${tag}`, k, (f) => mstl([p / f], `mstl-${tag}`, (14 * p) / f)));
    if (o.week !== undefined) {
      const w = o.week;
      // Smoothing over about an hour (±30 min) of neighbouring steps.
      const half = o.stepMs ? Math.max(1, Math.round(1_800_000 / o.stepMs)) : 1;
      const smooth = smoothedSeasonalNaive(w, half, 'snaive-week-smooth');
      models.push(
        seasonalNaive(w, 'snaive-week'), smooth, seasonalMedian(w, 4, 'smedian-week'), weekdayProfile(p, 7, 'smedian-7-weekday'),
        // Re-levelled on the last day: after a level shift the weekly models copy the old week.
        releveled(smooth, p, w, 'snaive-week-relevel'), releveled(weekdayProfile(p, 7), p, w, 'smedian-7-weekday-relevel'),
        backfilled(levelAdjustedMedian(w, 1, 'snaive-week-level'), w, 2 * w),
        backfilled(coarsened(`mstl-${tag}-week`, k, (f) => mstl([p / f, w / f], `mstl-${tag}-week`, (2 * w) / f)), w, 2 * w), backfilled(holtWinters(w, 'holt-winters-week'), w, 2 * w),
      );
    }
  }
  if (o.prophet === true && o.startMs !== undefined && o.stepMs !== undefined) models.push(prophet(o.startMs, o.stepMs, o.events ?? []));
  // With anomaly-aware training, the same models also compete trained on a history with incidents
  // replaced: the backtest decides whether that helps.
  if (o.cleanAnomalies && p !== undefined) for (const m of models.filter((x) => x.name.startsWith('holt-winters') || x.name.startsWith('mstl-') || x.name === 'prophet')) models.push(cleaned(m, p));
  if (o.lstm) models.push(lstm());
  return models;
}

/** A model fitted on the history with outliers replaced (anomaly-aware training). */
export function cleaned(model: PointModel, period: number): PointModel {
  return { name: `${model.name}+clean`, forecast: (y, h) => model.forecast(cleanOutliers(y, period).values, h) };
}
