import { intervalDrift, routeMixDrift, type IntervalDrift, type RouteMixDrift } from './drift-check.js';
import { forecastSeries, MIN_HISTORY, type ForecastOptions, type ForecastResult } from './forecast.js';
import type { Series } from './series.js';

export type RefitReason = 'first' | 'schedule' | 'drift';

/** What a tracker reports: a refit (with its backtest score) or drift (with its evidence). */
export type TrackerEvent =
  | { kind: 'refit'; at: number; reason: RefitReason; model: string; history: number; backtest: { relMae: number; mase: number; coverage: Record<string, number> }; fitMs: number }
  | { kind: 'drift'; at: number; interval?: IntervalDrift; mix?: RouteMixDrift };

export interface ForecastTrackerOptions {
  /** Steps ahead each forecast covers. */
  horizon: number;
  /** Refit at least this often (ms of the series' clock). */
  refitEveryMs: number;
  /** The interval level drift is judged against (default 0.8, which the forecast must include). */
  level?: number;
  /** Drift test significance and minimum observations (defaults 0.01, 12). */
  alpha?: number;
  minObservations?: number;
  /** Route-mix drift threshold (Jensen–Shannon distance, default 0.2) and minimum requests (default 200). */
  mixThreshold?: number;
  mixMinRequests?: number;
  /** Passed to `forecastSeries` (season, models, folds…). */
  forecast?: Omit<ForecastOptions, 'horizon' | 'levels'>;
}

/** A tracker's state as a plain document (for a controller to persist and resume). */
export interface ForecastTrackerState {
  forecast?: ForecastResult;
  fittedAt?: number;
  /** The route mix (counts or weights) when the forecast was fitted. */
  mixAtFit?: Record<string, number>;
  /** The last drift reported, so one episode is one event. */
  lastDriftAt?: number;
}

/**
 * Keeps a forecast current for a live rate series: refits on a schedule and
 * when reality drifts from it (observed points outside the forecast's
 * interval more often than its level allows, or the route mix diverging from
 * the one at fit time). Each refit reports its backtest score; each drift its
 * evidence. The caller brings the series and the clock.
 */
export class ForecastTracker {
  private s: ForecastTrackerState = {};
  private readonly level: number;

  constructor(private readonly o: ForecastTrackerOptions) {
    this.level = o.level ?? 0.8;
  }

  get forecast(): ForecastResult | undefined { return this.s.forecast; }

  exportState(): ForecastTrackerState { return structuredClone(this.s); }

  restore(state: ForecastTrackerState): void { this.s = structuredClone(state); }

  /** Drift of what has been observed since the fit against the current forecast (undefined: nothing to judge). */
  checkDrift(series: Series, mix?: Record<string, number>): { interval?: IntervalDrift; mix?: RouteMixDrift } | undefined {
    const f = this.s.forecast;
    if (!f) return undefined;
    const key = String(this.level);
    const byTs = new Map(f.points.map((p) => [p.ts, p.intervals[key] ?? { lower: p.lower, upper: p.upper }]));
    const obs = [];
    for (let i = 0; i < series.values.length; i++) {
      const ts = series.start + i * series.stepMs;
      const iv = byTs.get(ts);
      if (iv) obs.push({ at: ts, observed: series.values[i]!, lower: iv.lower, upper: iv.upper });
    }
    const interval = obs.length > 0 ? intervalDrift(obs, this.level, { alpha: this.o.alpha, minObservations: this.o.minObservations }) : undefined;
    const mixDrift = mix && this.s.mixAtFit ? routeMixDrift(this.s.mixAtFit, mix, { threshold: this.o.mixThreshold, minRequests: this.o.mixMinRequests }) : undefined;
    return { ...(interval ? { interval } : {}), ...(mixDrift ? { mix: mixDrift } : {}) };
  }

  /**
   * One step at `now`: reports drift, refits when due (first fit, schedule,
   * drift) and the history is long enough. `mix`: request counts per route
   * observed recently (weights work for the reference, counts are needed for
   * the minimum-requests rule).
   */
  async step(now: number, series: Series, mix?: Record<string, number>): Promise<TrackerEvent[]> {
    const events: TrackerEvent[] = [];
    let reason: RefitReason | undefined;
    if (!this.s.forecast) reason = 'first';
    else {
      const d = this.checkDrift(series, mix);
      if (d?.interval?.drift || d?.mix?.drift) {
        events.push({ kind: 'drift', at: now, ...(d.interval ? { interval: d.interval } : {}), ...(d.mix ? { mix: d.mix } : {}) });
        this.s.lastDriftAt = now;
        reason = 'drift';
      } else if (now - (this.s.fittedAt ?? -Infinity) >= this.o.refitEveryMs) reason = 'schedule';
    }
    if (reason === undefined || series.values.length < MIN_HISTORY) return events;
    const t0 = performance.now();
    const levels = [...new Set([this.level, 0.8, 0.95])].sort();
    const f = await forecastSeries(series, { ...this.o.forecast, horizon: this.o.horizon, levels });
    this.s = { ...this.s, forecast: f, fittedAt: now, ...(mix ? { mixAtFit: { ...mix } } : {}) };
    events.push({
      kind: 'refit', at: now, reason, model: f.model, history: series.values.length,
      backtest: { relMae: f.backtest.relMae, mase: f.backtest.mase, coverage: f.backtest.coverage }, fitMs: Math.round(performance.now() - t0),
    });
    return events;
  }
}
