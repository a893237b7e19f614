import { addEncodedHistogram } from './hdr-encoding.js';
import { createHistogram, encodeHistogram, recordMs, summarizeMs, type Histogram, type LatencySummaryMs } from './histogram.js';

/** Counts and an HDR latency histogram for one route + method. */
export class RouteStats {
  readonly route: string;
  readonly method: string;
  requests = 0;
  errors = 0;
  reqBytes = 0;
  resBytes = 0;
  readonly status: Record<string, number> = {};
  /** Counts of ST_* codes (transport errors, proxy errors, faults) by code. */
  readonly codes: Record<string, number> = {};
  readonly latency: Histogram = createHistogram();

  constructor(route: string, method: string) {
    this.route = route;
    this.method = method;
  }

  record(status: number, durationMs: number, reqBytes: number, resBytes: number, error: boolean): void {
    this.requests++;
    if (error || status >= 500 || status === 0) this.errors++;
    this.reqBytes += reqBytes;
    this.resBytes += resBytes;
    const key = String(status);
    this.status[key] = (this.status[key] ?? 0) + 1;
    recordMs(this.latency, durationMs);
  }

  /** Counts one ST_* code (called next to `record` for a request that ended with one). */
  recordCode(code: string): void {
    this.codes[code] = (this.codes[code] ?? 0) + 1;
  }

  add(other: RouteStats | EncodedRouteStats): void {
    this.requests += other.requests;
    this.errors += other.errors;
    this.reqBytes += other.reqBytes;
    this.resBytes += other.resBytes;
    for (const [k, v] of Object.entries(other.status)) this.status[k] = (this.status[k] ?? 0) + v;
    if (other.codes) for (const [k, v] of Object.entries(other.codes)) this.codes[k] = (this.codes[k] ?? 0) + v;
    if (other instanceof RouteStats) this.latency.add(other.latency);
    else addEncodedHistogram(this.latency, other.histogram);
  }
}

/** The wire form: counts plus the histogram as compressed base64. */
export interface EncodedRouteStats {
  route: string;
  method: string;
  requests: number;
  errors: number;
  reqBytes: number;
  resBytes: number;
  status: Record<string, number>;
  /** ST_* codes by count (absent in documents written before windows carried them). */
  codes?: Record<string, number>;
  latencyMs: LatencySummaryMs;
  histogram: string;
}

/**
 * Route stats keyed by route and method, with a cap on distinct routes so a
 * path scan cannot blow up memory or metric cardinality (the rest fold into
 * route `other`).
 */
export class RouteStatsTable {
  private readonly table = new Map<string, RouteStats>();
  readonly maxRoutes: number;

  constructor(maxRoutes = 500) {
    this.maxRoutes = maxRoutes;
  }

  get(route: string, method: string): RouteStats {
    const key = method + ' ' + route;
    let s = this.table.get(key);
    if (s === undefined) {
      if (this.table.size >= this.maxRoutes) return this.get('other', method === 'other' ? method : 'other');
      s = new RouteStats(route, method);
      this.table.set(key, s);
    }
    return s;
  }

  /** Totals across routes (a fresh object). */
  total(): RouteStats {
    const t = new RouteStats('*', '*');
    for (const s of this.table.values()) t.add(s);
    return t;
  }

  values(): IterableIterator<RouteStats> {
    return this.table.values();
  }

  get size(): number {
    return this.table.size;
  }

  encode(): EncodedRouteStats[] {
    return [...this.table.values()].map(encodeRouteStats);
  }

  static decode(rows: readonly EncodedRouteStats[], maxRoutes = 10_000): RouteStatsTable {
    const t = new RouteStatsTable(maxRoutes);
    for (const r of rows) t.get(r.route, r.method).add(r);
    return t;
  }
}

export function encodeRouteStats(s: RouteStats): EncodedRouteStats {
  return {
    route: s.route,
    method: s.method,
    requests: s.requests,
    errors: s.errors,
    reqBytes: s.reqBytes,
    resBytes: s.resBytes,
    status: { ...s.status },
    ...(Object.keys(s.codes).length > 0 ? { codes: { ...s.codes } } : {}),
    latencyMs: summarizeMs(s.latency),
    histogram: encodeHistogram(s.latency),
  };
}
