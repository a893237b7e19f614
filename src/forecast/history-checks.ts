import { ShadowtwinError } from '../common/index.js';
import type { Series } from './series.js';

/** Never more than this many steps: 100,000 points of JSON is already ~10 MB. */
export const MAX_HORIZON_STEPS = 100_000;
/** Nor more than this many times the history: beyond it a forecast is extrapolation of extrapolation. */
export const MAX_HORIZON_RATIO = 10;
/**
 * Except that a week ahead is always allowed (within MAX_HORIZON_STEPS): the
 * default horizon is a day, and a new service with two hours of one-minute
 * rates must still get one (wide intervals say how little it knows).
 */
export const ALWAYS_ALLOWED_MS = 7 * 86_400_000;

/** The longest horizon (in steps) a history of `n` points at `stepMs` allows. */
export function maxHorizon(n: number, stepMs: number): number {
  return Math.min(MAX_HORIZON_STEPS, Math.max(MAX_HORIZON_RATIO * n, Math.floor(ALWAYS_ALLOWED_MS / stepMs)));
}

/** Refuses (ST_ERR_USAGE) a horizon beyond `maxHorizon`, saying the limit and the fix. */
export function checkHorizon(steps: number, series: Series, asked: string): void {
  const max = maxHorizon(series.values.length, series.stepMs);
  if (steps <= max) return;
  throw new ShadowtwinError('ST_ERR_USAGE', `--horizon ${asked} is ${steps} steps of ${series.stepMs / 1000}s; at most ${max} (the larger of ${MAX_HORIZON_RATIO}× the ${series.values.length}-point history and a week, never over ${MAX_HORIZON_STEPS}): give a shorter horizon${series.stepMs < 86_400_000 ? ', or a coarser step' : ''}`);
}

/**
 * When the history ends well before `now` (more than three steps and more
 * than an hour): the forecast is anchored at the history's end, so
 * "expected … by <date>" on a plan shifted to now is the old history's
 * pattern, not a forecast of the present.
 */
export function staleHistoryWarning(series: Series, now: number): string | undefined {
  const end = series.start + (series.values.length - 1) * series.stepMs;
  const lag = now - end;
  if (lag <= Math.max(3 * series.stepMs, 3_600_000)) return undefined;
  const days = lag / 86_400_000;
  const age = days >= 2 ? `${Math.round(days)} days` : `${(lag / 3_600_000).toFixed(1)} hours`;
  return `the history ends ${new Date(end).toISOString().slice(0, 16).replace('T', ' ')} UTC, ${age} ago: the forecast is anchored at the history's end and its pattern is shifted to now; give a recent history for a plan that reflects current traffic`;
}

/** What a too-short history needs, in points and time, with the fix for each kind of input. */
export function shortHistoryMessage(series: Series, minPoints: number, input: string): string {
  const need = (minPoints * series.stepMs) / 1000;
  const needText = need >= 3600 ? `${(need / 3600).toFixed(1)} h` : need >= 60 ? `${Math.round(need / 60)} min` : `${need} s`;
  const fromModel = !/\.(csv|tsv)(\.gz)?$/i.test(input);
  return `${input}: the history has ${series.values.length} point(s) of ${series.stepMs / 1000}s; a forecast needs at least ${minPoints} (${needText} at this step)${fromModel ? ': a request model carries one point per step of its capture: build it with a smaller step (shadowtwin profile build <capture> --step 10s), or forecast from the capture itself (shadowtwin forecast --input <capture> --step 10s)' : ': give a longer history'}`;
}
