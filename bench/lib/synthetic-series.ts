/**
 * Generated request-rate series whose structure is known: a daily shape
 * (quiet night, busy day), a weekly one (weekends at `weekend` of weekdays),
 * Poisson-like noise, optional level shifts and anomalies (bursts and
 * outages). Used by the forecast bench and tests, where the right answer is
 * known: a weekly-aware model must win when `weekend` is far from 1.
 */
import { seededRandom } from '../../src/common/index.js';
import type { Series } from '../../src/forecast/index.js';

export interface SyntheticOptions {
  days: number;
  stepMs?: number;
  /** Mean requests per step on a weekday, default 200. */
  level?: number;
  /** Weekend level relative to weekdays, default 0.35. */
  weekend?: number;
  /** Depth of the daily cycle (0–1), default 0.7. */
  daily?: number;
  /** Level shifts: multiply everything from day `at` on (until day `until`, exclusive, if given) by `factor`. */
  shifts?: Array<{ at: number; factor: number; until?: number }>;
  /** Growth per week (0.1: 10% more each week, compounding smoothly step by step), default 0. */
  trendPerWeek?: number;
  /** Anomalies per week (bursts ×4 or outages ×0.1, an hour each), default 0. */
  anomaliesPerWeek?: number;
  seed?: number;
}

export function syntheticRate(o: SyntheticOptions): Series {
  const stepMs = o.stepMs ?? 300_000;
  const r = seededRandom(o.seed ?? 1);
  const perDay = Math.round(86_400_000 / stepMs);
  const n = o.days * perDay;
  const level = o.level ?? 200;
  const start = Date.UTC(2026, 0, 5); // a Monday
  const values: number[] = [];
  const anomalyAt = new Map<number, number>();
  const perHour = Math.max(1, Math.round(3_600_000 / stepMs));
  const anomalies = Math.round(((o.anomaliesPerWeek ?? 0) * o.days) / 7);
  for (let k = 0; k < anomalies; k++) {
    const at = Math.floor(r() * (n - perHour));
    const factor = r() < 0.5 ? 4 : 0.1;
    for (let j = 0; j < perHour; j++) anomalyAt.set(at + j, factor);
  }
  for (let i = 0; i < n; i++) {
    const day = Math.floor(i / perDay);
    const phase = (i % perDay) / perDay;
    const weekday = day % 7 < 5;
    // Peak mid-afternoon, trough at night; weekends flatter and lower.
    const shape = 1 + (o.daily ?? 0.7) * Math.sin(2 * Math.PI * (phase - 0.35)) * (weekday ? 1 : 0.6);
    let mean = level * shape * (weekday ? 1 : o.weekend ?? 0.35);
    for (const s of o.shifts ?? []) if (day >= s.at && (s.until === undefined || day < s.until)) mean *= s.factor;
    if (o.trendPerWeek) mean *= Math.pow(1 + o.trendPerWeek, i / (7 * perDay));
    mean *= anomalyAt.get(i) ?? 1;
    const noise = (r() + r() + r() + r() - 2) * Math.sqrt(3 * mean);
    values.push(Math.max(0, Math.round(mean + noise)));
  }
  return { start, stepMs, values };
}
