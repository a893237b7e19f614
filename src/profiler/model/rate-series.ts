import { ShadowtwinError } from '../../common/errors.js';
import { decodeCounts, denseCounts, dispersionOfSparse, type SparseCounts } from './count-runs.js';
import type { RateModel } from './request-model.js';

/** Requests per step of a rate, populated steps only (slot = epoch ms / stepMs). */
export function stepCounts(rate: RateModel): SparseCounts {
  return decodeCounts(rate.steps, rate.stepMs, 'per-step');
}

/** Requests per second of a rate, populated seconds only (slot = epoch second). */
export function secondCounts(rate: RateModel): SparseCounts {
  return decodeCounts(rate.seconds, 1000, 'per-second');
}

/** A dense series longer than this (a year of 5 s steps) is refused rather than allocated. */
const MAX_DENSE_STEPS = 6_500_000;

/**
 * The per-step series as a dense grid from the first to the last populated
 * step (empty steps are 0): what the forecaster and `profile show --json`
 * read. Its length follows the window, so callers that must stay bounded
 * by the data use `stepCounts`.
 */
export function rateSeries(rate: RateModel): { start: number; stepMs: number; values: number[] } {
  const s = stepCounts(rate);
  const length = s.slots.length ? s.slots[s.slots.length - 1]! - s.slots[0]! + 1 : 0;
  if (length > MAX_DENSE_STEPS) {
    const day = (slot: number): string => new Date(slot * rate.stepMs).toISOString().slice(0, 10);
    throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `the model's rate spans ${length.toLocaleString('en')} steps of ${rate.stepMs / 1000}s (${day(s.slots[0]!)} to ${day(s.slots[s.slots.length - 1]!)}), too many for a dense series; rebuild it with a larger --step, or from inputs of one period`);
  }
  return { start: s.slots.length ? s.slots[0]! * rate.stepMs : 0, stepMs: rate.stepMs, values: denseCounts(s) };
}

/**
 * Hour-of-day and day-of-week shares (UTC) and the per-second index of
 * dispersion, all from per-second counts: the builder and the merge compute
 * them the same way, so a merged model equals the model of the union.
 */
export function rateShape(seconds: SparseCounts): Pick<RateModel, 'hourOfDay' | 'dayOfWeek' | 'dispersion'> {
  const hour = new Array<number>(24).fill(0);
  const dow = new Array<number>(7).fill(0);
  let total = 0;
  for (let i = 0; i < seconds.slots.length; i++) {
    const hours = Math.floor(seconds.slots[i]! / 3600);
    const c = seconds.counts[i]!;
    hour[((hours % 24) + 24) % 24]! += c;
    // 1970-01-01 was a Thursday.
    dow[(((Math.floor(hours / 24) + 4) % 7) + 7) % 7]! += c;
    total += c;
  }
  const t = Math.max(1, total);
  return { hourOfDay: hour.map((h) => h / t), dayOfWeek: dow.map((d) => d / t), dispersion: dispersionOfSparse(seconds) };
}
