import type { Logger } from '../../common/index.js';
import { ForecastTracker, forecastDocument, type ForecastResult, type ForecastTrackerState, type Series, type TrackerEvent } from '../../forecast/index.js';
import type { ControllerConfig } from '../controller-config.js';
import type { ControllerStore } from '../store/index.js';

export const TRACKER_STATE_KIND = 'shadowtwin.forecast-tracker-state';
export const FORECAST_DOC_KIND = 'shadowtwin.forecast';

interface TrackerStateDocument { kind: typeof TRACKER_STATE_KIND; version: 1; service: string; state: ForecastTrackerState }

/** The history a service's forecast sees: the stored rate at the forecast step, gaps filled, the seed before it. */
export interface HistorySource {
  /** Requests per second per step over [from, to), from the store. */
  stored(service: string, from: number, to: number, stepMs: number): Array<{ start: number; rate: number }>;
  /** A seeded series (Prometheus at start-up), if any, in req/s. */
  seed(service: string): Series | undefined;
}

/**
 * Fills a series on the step grid over [from, to): stored points where they
 * are, the seed before the first stored point, and short gaps (≤ 5 steps)
 * interpolated; a longer gap (the controller was down, no sidecar reported)
 * restarts the series after it, since the forecaster must not learn a
 * silence nobody measured.
 */
export function historySeries(points: ReadonlyArray<{ start: number; rate: number }>, from: number, to: number, stepMs: number, seed?: Series): Series | undefined {
  const grid = new Map<number, number>();
  for (const p of points) if (p.start >= from && p.start < to) grid.set(Math.floor(p.start / stepMs) * stepMs, p.rate);
  if (seed && seed.stepMs === stepMs) {
    const firstStored = Math.min(...grid.keys());
    seed.values.forEach((v, i) => {
      const at = seed.start + i * stepMs;
      if (at >= from && at < to && at < firstStored && Number.isFinite(v)) grid.set(Math.floor(at / stepMs) * stepMs, v);
    });
  }
  if (grid.size === 0) return undefined;
  const keys = [...grid.keys()].sort((a, b) => a - b);
  const values: number[] = [];
  let start = keys[0]!;
  let prevAt = keys[0]!;
  for (const at of keys) {
    const gap = (at - prevAt) / stepMs - 1;
    if (gap > 5) { values.length = 0; start = at; }
    else if (gap > 0) {
      const a = grid.get(prevAt)!;
      const b = grid.get(at)!;
      for (let k = 1; k <= gap; k++) values.push(a + ((b - a) * k) / (gap + 1));
    }
    values.push(grid.get(at)!);
    prevAt = at;
  }
  return { start, stepMs, values, unit: 'req/s' };
}

/**
 * One forecast tracker per service, stepped one service at a time (a fit is
 * CPU work: two fits never run at once), its state and latest forecast
 * stored so a restart resumes with them.
 */
export class ServiceForecasts {
  private readonly trackers = new Map<string, ForecastTracker>();
  private running = false;

  constructor(
    private readonly cfg: ControllerConfig['forecast'],
    private readonly store: ControllerStore,
    private readonly history: HistorySource,
    private readonly log: Logger,
  ) {}

  private tracker(service: string): ForecastTracker {
    let t = this.trackers.get(service);
    if (!t) {
      const stepMs = this.cfg.step;
      t = new ForecastTracker({
        horizon: Math.max(1, Math.round(this.cfg.horizon / stepMs)),
        refitEveryMs: this.cfg.refitEvery,
        level: this.cfg.level,
        mixThreshold: this.cfg.mixThreshold,
        forecast: this.cfg.seasonSteps !== undefined ? { period: this.cfg.seasonSteps } : {},
      });
      const saved = this.store.getDocument<TrackerStateDocument>(TRACKER_STATE_KIND, service);
      if (saved) t.restore(saved.doc.state);
      this.trackers.set(service, t);
    }
    return t;
  }

  forecast(service: string): ForecastResult | undefined {
    return this.tracker(service).forecast;
  }

  /**
   * Steps every service's tracker at `now` (skipped while a previous step is
   * still fitting). `completeUntil`: the newest moment whose windows have all
   * arrived. Returns the events with their service.
   */
  async step(services: readonly string[], now: number, completeUntil: number, mixOf: (service: string) => Record<string, number> | undefined): Promise<Array<TrackerEvent & { service: string }>> {
    if (this.running) return [];
    this.running = true;
    const out: Array<TrackerEvent & { service: string }> = [];
    try {
      const stepMs = this.cfg.step;
      const to = Math.floor(completeUntil / stepMs) * stepMs;
      const from = to - this.cfg.history;
      for (const service of services) {
        const series = historySeries(this.history.stored(service, from, to, stepMs), from, to, stepMs, this.history.seed(service));
        if (!series) continue;
        const t = this.tracker(service);
        let events: TrackerEvent[];
        try {
          events = await t.step(now, series, mixOf(service));
        } catch (err) {
          this.log.warn({ err, service }, 'forecast failed; the previous forecast stays');
          continue;
        }
        if (events.length === 0) continue;
        const f = t.forecast;
        if (f) this.store.putDocument(service, forecastDocument(f));
        this.store.putDocument(service, { kind: TRACKER_STATE_KIND, version: 1, service, state: t.exportState() } satisfies TrackerStateDocument);
        for (const e of events) out.push({ ...e, service });
      }
    } finally {
      this.running = false;
    }
    return out;
  }
}
