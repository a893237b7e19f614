import { summarizeMs, tableFromWindows, type WindowDocument } from '../common/index.js';
import type { RatePoint } from './short-term-forecast.js';

export interface SloLimits { p99Ms: number; errorRate: number }

/** Requests per second a window saw: the sum of its routes' requests over its length. */
export function windowRate(w: WindowDocument): number {
  const seconds = (w.end - w.start) / 1000;
  if (!(seconds > 0)) return 0;
  return w.routes.reduce((a, r) => a + r.requests, 0) / seconds;
}

/** Whether a window breached the SLO: its p99 over all routes, or its share of errors. */
export function windowBreaches(w: WindowDocument, slo: SloLimits): boolean {
  const total = tableFromWindows([w]).total();
  if (total.requests === 0) return false;
  return summarizeMs(total.latency).p99 > slo.p99Ms || total.errors / total.requests > slo.errorRate;
}

/**
 * What a scale loop observes from fed windows. Role `primary` windows are the
 * served load: the rate series (req/s at each window's start; windows of
 * several pods with the same start add up). Role `secondary`/`generator`
 * windows are validation and SLO data: a breach in any since the last round
 * counts once in the next round's feedback. Pure and replayable.
 */
export class RateObservations {
  readonly rates: RatePoint[] = [];
  sloBreached = false;
  /** Length of the last primary window: the series' step. */
  private windowMs: number | undefined;

  constructor(private readonly maxPoints: number, private readonly slo: SloLimits) {}

  feed(w: WindowDocument): void {
    if (w.source.role !== 'primary') {
      if (windowBreaches(w, this.slo)) this.sloBreached = true;
      return;
    }
    const rate = windowRate(w);
    if (w.end > w.start) this.windowMs = w.end - w.start;
    const last = this.rates.at(-1);
    if (last && last.t === w.start) last.rate += rate;
    else if (!last || w.start > last.t) this.rates.push({ t: w.start, rate });
    else {
      // A late window (another pod's, out of order): add it where it belongs.
      const at = this.rates.findIndex((p) => p.t >= w.start);
      if (this.rates[at]!.t === w.start) this.rates[at]!.rate += rate;
      else this.rates.splice(at, 0, { t: w.start, rate });
    }
    while (this.rates.length > this.maxPoints) this.rates.shift();
  }

  /** The most recent observed rate (undefined before the first primary window). */
  get lastRate(): number | undefined { return this.rates.at(-1)?.rate; }

  /** Spacing of the series: the window length (undefined before the first primary window). */
  get stepMs(): number | undefined {
    if (this.windowMs !== undefined) return this.windowMs;
    const n = this.rates.length;
    return n >= 2 ? this.rates[n - 1]!.t - this.rates[n - 2]!.t : undefined;
  }

  /** The breach flag, cleared (a round consumed it). */
  takeBreach(): boolean {
    const b = this.sloBreached;
    this.sloBreached = false;
    return b;
  }

  /** The window length a restored state recorded. */
  get windowLength(): number | undefined { return this.windowMs; }

  restore(rates: readonly RatePoint[], sloBreached: boolean, windowMs: number | undefined): void {
    this.rates.splice(0, this.rates.length, ...rates.slice(-this.maxPoints).map((p) => ({ ...p })));
    this.sloBreached = sloBreached;
    this.windowMs = windowMs;
  }
}
