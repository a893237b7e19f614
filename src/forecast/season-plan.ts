/**
 * Which calendar cycles a history can support, and so which seasonal models
 * may compete. A cycle of `p` steps is usable when the whole history holds
 * two of them and every backtest fold trains on at least one. The weekly
 * cycle comes with the daily one, from two full weeks of history (models
 * that need two weeks to fit are backfilled in the shorter backtest folds).
 * With daily steps the week (7 steps) is the primary cycle. Any cycle of at
 * least 2 steps counts. Nothing here decides between cycles: the backtest does.
 */
export interface SeasonPlan {
  /** The primary cycle in steps (the day; the given season; the hour when only it fits). */
  primary?: number;
  primaryName?: string;
  /** The weekly cycle in steps, competing alongside the daily one. */
  week?: number;
  /** Why a given or expected cycle was not used. */
  dropped: string[];
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** Steps of a calendar cycle, when the step divides it (and it spans at least 2 steps: the week of daily data is 7). */
export function cycleSteps(ms: number, stepMs: number): number | undefined {
  const steps = Math.round(ms / stepMs);
  return steps >= 2 && Math.abs(steps * stepMs - ms) <= stepMs / 100 ? steps : undefined;
}

export function nameOfCycle(steps: number, stepMs: number): string {
  const ms = steps * stepMs;
  return ms === HOUR ? 'hour' : ms === DAY ? 'day' : ms === WEEK ? 'week' : `${steps}`;
}

/**
 * @param n points of history
 * @param minTrain points the shortest backtest fold trains on
 * @param given a season the user asked for, in steps
 */
export function planSeasons(n: number, minTrain: number, stepMs: number, given?: number): SeasonPlan {
  const fits = (p: number): boolean => n >= 2 * p && minTrain >= p;
  const need = (p: number): string => `${nameOfCycle(p, stepMs) === `${p}` ? `a season of ${p} steps` : `the ${nameOfCycle(p, stepMs)} cycle`} needs ${Math.max(2 * p, p + n - minTrain)} points of history (have ${n})`;
  const day = cycleSteps(DAY, stepMs);
  const week = cycleSteps(WEEK, stepMs);
  const hour = cycleSteps(HOUR, stepMs);
  const plan: SeasonPlan = { dropped: [] };
  if (given !== undefined) {
    // A weekly season given on sub-daily data means "day and week".
    const primary = given === week && day !== undefined ? day : given;
    const wk = primary === day && week !== undefined ? week : undefined;
    if (primary > 1 && fits(primary)) { plan.primary = primary; plan.primaryName = nameOfCycle(primary, stepMs); }
    else plan.dropped.push(need(primary));
    if (wk !== undefined && plan.primary !== undefined) {
      if (fits(wk)) plan.week = wk;
      else if (given === week) plan.dropped.push(need(wk));
    }
    return plan;
  }
  if (day !== undefined && fits(day)) {
    plan.primary = day;
    plan.primaryName = 'day';
    if (week !== undefined && fits(week)) plan.week = week;
  } else if (day === undefined && week !== undefined && fits(week)) {
    // Daily (or coarser-than-half-day) steps: the week is the calendar cycle there is.
    plan.primary = week;
    plan.primaryName = 'week';
  } else if (hour !== undefined && fits(hour) && minTrain >= 2 * hour) {
    // Proposed on its own (minutes of history), the hour must show twice in every fold: with one hour
    // to copy, seasonal naive copied an hour-old burst into the forecast (30× naive's error once).
    plan.primary = hour;
    plan.primaryName = 'hour';
  }
  return plan;
}
