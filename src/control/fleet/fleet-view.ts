import { RouteStatsTable, type WindowDocument, type WindowRole } from '../../common/index.js';
import { compareSides, type Comparison, type RouteComparison } from '../../scaler/index.js';
import { BucketSeries } from './bucket-series.js';
import type { FleetEvent } from './fleet-events.js';

export interface FleetOptions {
  /** The sidecars' window period (ms): a pod silent for `goneAfterPeriods` of them is gone. */
  windowMs: number;
  goneAfterPeriods?: number;
  /** Fine rate series: resolution and how long it is kept (default: the window period, 6 h). */
  fineResolutionMs?: number;
  fineRetentionMs?: number;
  /** Coarse rate series for weeks of history (default 5 min, 35 days). */
  coarseResolutionMs?: number;
  coarseRetentionMs?: number;
  /** Recent traffic kept per role for the live mix and the comparison (default 15 min), in slices of `sliceMs` (default 1 min). */
  recentMs?: number;
  sliceMs?: number;
  /** Bounds on what one controller holds (default 1,000 services, 2,000 pods each, 500 routes per side). */
  maxServices?: number;
  maxRoutes?: number;
  maxPodsPerService?: number;
}

export interface PodState {
  name: string; roles: WindowRole[]; firstSeen: number; lastSeen: number; gone: boolean;
  /** The pod's own window period (its latest window's length): silence is judged against it. */
  periodMs: number;
}

export interface RatePoint { at: number; rate: number }

/**
 * One slice of recent traffic of one side, merged across pods as windows
 * arrive (counts add, histograms merge): memory is bounded by slices ×
 * routes, not by pods × windows (200 pods × 15 minutes of windows would be
 * a gigabyte of encoded histograms).
 */
interface RecentSlice { at: number; table: RouteStatsTable; firstStart: number; lastEnd: number }

interface ServiceState {
  name: string;
  pods: Map<string, PodState>;
  fine: BucketSeries;
  coarse: BucketSeries;
  recent: Record<'primary' | 'secondary', RecentSlice[]>;
  /** Newest window end seen from any pod (primary role). */
  latestEnd: number;
}

/** Why a window was not taken in (counted, never thrown: telemetry never fails a sidecar). */
export type FleetSkip = 'too_many_services' | 'too_many_pods';

/**
 * The controller's live picture of its fleet, from window documents: per
 * service its pods (joined, gone after silence), the primary request rate at
 * two resolutions, and recent windows of both sides for the live route mix,
 * the primary-vs-secondary comparison and the secondary's bottleneck routes.
 * Pure state: the caller passes `now` and persists what it needs.
 */
export class FleetView {
  private readonly services = new Map<string, ServiceState>();
  private readonly o: Required<FleetOptions>;
  readonly skipped: Record<FleetSkip, number> = { too_many_services: 0, too_many_pods: 0 };

  constructor(o: FleetOptions) {
    this.o = {
      goneAfterPeriods: 3, fineResolutionMs: o.windowMs, fineRetentionMs: 6 * 3_600_000,
      coarseResolutionMs: 300_000, coarseRetentionMs: 35 * 86_400_000, recentMs: 15 * 60_000, sliceMs: 60_000,
      maxServices: 1_000, maxPodsPerService: 2_000, maxRoutes: 500, ...o,
    };
  }

  /** Takes in one window received at `now`; returns what changed (a pod joined or came back). */
  ingest(w: WindowDocument, now: number): FleetEvent[] {
    const events: FleetEvent[] = [];
    const s = this.serviceFor(w.source.service);
    if (!s) { this.skipped.too_many_services++; return events; }
    let pod = s.pods.get(w.source.pod);
    if (!pod) {
      if (s.pods.size >= this.o.maxPodsPerService) { this.skipped.too_many_pods++; return events; }
      pod = { name: w.source.pod, roles: [], firstSeen: now, lastSeen: now, gone: false, periodMs: 0 };
      s.pods.set(w.source.pod, pod);
      events.push({ kind: 'pod-joined', at: now, service: s.name, pod: pod.name, role: w.source.role });
    } else if (pod.gone) {
      events.push({ kind: 'pod-returned', at: now, service: s.name, pod: pod.name, silentMs: now - pod.lastSeen });
      pod.gone = false;
    }
    pod.lastSeen = Math.max(pod.lastSeen, now);
    if (w.end > w.start) pod.periodMs = w.end - w.start;
    if (!pod.roles.includes(w.source.role)) pod.roles.push(w.source.role);
    if (w.source.role === 'generator') return events;
    if (w.source.role === 'primary') {
      let requests = 0;
      for (const r of w.routes) requests += r.requests;
      s.fine.add(w.start, w.end, requests);
      s.coarse.add(w.start, w.end, requests);
      s.latestEnd = Math.max(s.latestEnd, w.end);
    }
    const recent = s.recent[w.source.role];
    const at = Math.floor(w.end / this.o.sliceMs) * this.o.sliceMs;
    let slice = recent.find((x) => x.at === at);
    if (!slice) {
      slice = { at, table: new RouteStatsTable(this.o.maxRoutes), firstStart: w.start, lastEnd: w.end };
      recent.push(slice);
      recent.sort((a, b) => a.at - b.at);
    }
    for (const r of w.routes) slice.table.get(r.route, r.method).add(r);
    slice.firstStart = Math.min(slice.firstStart, w.start);
    slice.lastEnd = Math.max(slice.lastEnd, w.end);
    const cut = Math.max(s.latestEnd, w.end) - this.o.recentMs;
    while (recent.length > 0 && recent[0]!.at + this.o.sliceMs <= cut) recent.shift();
    return events;
  }

  private serviceFor(name: string): ServiceState | undefined {
    let s = this.services.get(name);
    if (!s) {
      if (this.services.size >= this.o.maxServices) return undefined;
      s = {
        name, pods: new Map(), latestEnd: -Infinity,
        fine: new BucketSeries(this.o.fineResolutionMs, this.o.fineRetentionMs),
        coarse: new BucketSeries(this.o.coarseResolutionMs, this.o.coarseRetentionMs),
        recent: { primary: [], secondary: [] },
      };
      this.services.set(name, s);
    }
    return s;
  }

  /**
   * Marks pods silent for `goneAfterPeriods` window periods as gone (their
   * own period when longer than the configured one: a sidecar with 10 s
   * windows is not gone after 15 s); returns the events.
   */
  sweep(now: number): FleetEvent[] {
    const events: FleetEvent[] = [];
    for (const s of this.services.values()) {
      for (const p of s.pods.values()) {
        const limit = this.o.goneAfterPeriods * Math.max(this.o.windowMs, p.periodMs);
        if (!p.gone && now - p.lastSeen > limit) {
          p.gone = true;
          events.push({ kind: 'pod-gone', at: now, service: s.name, pod: p.name, lastSeen: p.lastSeen, silentMs: now - p.lastSeen });
        }
      }
    }
    return events;
  }

  serviceNames(): string[] { return [...this.services.keys()].sort(); }

  pods(service: string): PodState[] {
    return [...(this.services.get(service)?.pods.values() ?? [])].map((p) => ({ ...p, roles: [...p.roles] })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Primary requests per second per bucket. Only buckets that ended at least
   * one window period before `now` are returned (windows from every pod of
   * that time have arrived), unless `includePartial`.
   */
  rateSeries(service: string, o: { now: number; coarse?: boolean; from?: number; includePartial?: boolean }): RatePoint[] {
    const s = this.services.get(service);
    if (!s) return [];
    const series = o.coarse ? s.coarse : s.fine;
    const res = series.resolutionMs;
    const to = o.includePartial ? Infinity : o.now - this.o.windowMs - res + 1;
    return series.points(o.from ?? -Infinity, to).map((b) => ({ at: b.at, rate: b.count / (res / 1000) }));
  }

  /** The mean primary rate over the last `spanMs` of complete buckets (default three window periods). */
  currentRate(service: string, now: number, spanMs = 3 * this.o.windowMs): number | undefined {
    const pts = this.rateSeries(service, { now });
    const fine = this.services.get(service)?.fine;
    if (!fine || pts.length === 0) return undefined;
    const n = Math.max(1, Math.round(spanMs / fine.resolutionMs));
    const last = pts.slice(-n);
    return last.reduce((a, p) => a + p.rate, 0) / last.length;
  }

  /** One side's recent windows merged (exact), or undefined when none. */
  recentTable(service: string, role: 'primary' | 'secondary'): { table: RouteStatsTable; spanMs: number } | undefined {
    const recent = this.services.get(service)?.recent[role];
    if (!recent || recent.length === 0) return undefined;
    const table = new RouteStatsTable(this.o.maxRoutes);
    for (const slice of recent) for (const r of slice.table.values()) table.get(r.route, r.method).add(r);
    if (table.size === 0) return undefined;
    // Pods' windows overlap in time: the span runs from the first window's start to the last window's end.
    const spanMs = Math.max(1, Math.max(...recent.map((x) => x.lastEnd)) - Math.min(...recent.map((x) => x.firstStart)));
    return { table, spanMs };
  }

  /** Route weights (request shares) of the recent primary traffic: the live mix. */
  liveMix(service: string): Record<string, number> {
    const t = this.recentTable(service, 'primary');
    const out: Record<string, number> = {};
    if (!t) return out;
    let total = 0;
    for (const s of t.table.values()) total += s.requests;
    for (const s of t.table.values()) out[`${s.method} ${s.route}`] = total === 0 ? 0 : s.requests / total;
    return out;
  }

  /**
   * Primary (base) vs the secondary side of mirroring (candidate) per route,
   * from recent windows. Both sides are over the same stretch of time (the
   * longer of their spans), so their rates compare (a mirrored share of 1
   * reads as equal rates).
   */
  comparison(service: string, options: Parameters<typeof compareSides>[2] = {}): Comparison | undefined {
    const p = this.recentTable(service, 'primary');
    const q = this.recentTable(service, 'secondary');
    if (!p || !q) return undefined;
    const span = Math.max(p.spanMs, q.spanMs);
    return compareSides(
      { label: `${service} primary`, durationMs: span, routes: p.table.encode() },
      { label: `${service} secondary`, durationMs: span, routes: q.table.encode() },
      options,
    );
  }

  /** The routes where the secondary is significantly slower or fails more: worst p99 ratio first. */
  bottlenecks(service: string, options: Parameters<typeof compareSides>[2] = {}): RouteComparison[] {
    const c = this.comparison(service, options);
    if (!c) return [];
    return c.routes.filter((r) => r.verdict === 'higher' || r.errorRate.worse).sort((a, b) => b.ratios.p99 - a.ratios.p99);
  }
}
