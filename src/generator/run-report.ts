import {
  createHistogram, encodeHistogram, mergeHistograms, RouteStatsTable, ShadowtwinError, summarizeMs, VERSION,
  type EncodedRouteStats, type LatencySummaryMs,
} from '../common/index.js';
import type { RunRecorder, TimelinePoint } from './run-recorder.js';
import { compare, parseThreshold, type ParsedThreshold, type Threshold, type ThresholdResult } from './thresholds.js';

export interface RouteReport {
  route: string;
  method: string;
  requests: number;
  errors: number;
  status: Record<string, number>;
  latencyMs: LatencySummaryMs;
}

/** The generator's JSON report: the contract scripts rely on (docs/generator.md). */
export interface RunReport {
  kind: 'shadowtwin.run-report';
  version: 1;
  summary: {
    requests: number;
    errors: number;
    dropped: number;
    intended: number;
    intendedRate: number;
    achievedRate: number;
    latencyMs: LatencySummaryMs;
    lagMs: LatencySummaryMs;
    outcomes: Record<string, number>;
    bytesSent: number;
    bytesReceived: number;
  };
  routes: RouteReport[];
  histograms: { unit: 'us'; total: string; lag: string; routes: EncodedRouteStats[] };
  faults: Record<string, { injected: number; outcomes: Record<string, number> }>;
  timeline: TimelinePoint[];
  thresholds: ThresholdResult[];
  pass: boolean;
  meta: {
    tool: string;
    version: string;
    target: string;
    executor: string;
    source: string;
    scenario?: string;
    seed: number;
    start: string;
    durationMs: number;
    segment?: { index: number; count: number };
    segments?: number;
  };
}

export function buildReport(rec: RunRecorder, meta: RunReport['meta'], thresholds: readonly Threshold[] = []): RunReport {
  return finishReport({
    kind: 'shadowtwin.run-report', version: 1,
    summary: {
      requests: rec.completed, errors: rec.errors, dropped: rec.dropped, intended: rec.intended,
      intendedRate: 0, achievedRate: 0, latencyMs: summarizeMs(createHistogram()), lagMs: summarizeMs(rec.lag),
      outcomes: { ...rec.outcomes }, bytesSent: rec.bytesSent, bytesReceived: rec.bytesReceived,
    },
    routes: [],
    histograms: { unit: 'us', total: '', lag: encodeHistogram(rec.lag), routes: rec.routes.encode() },
    faults: structuredClone(rec.faults),
    timeline: rec.timeline(),
    thresholds: thresholds.map((t) => ({ ...t, metric: '', actual: 0, limit: 0, pass: true })),
    pass: true,
    meta,
  });
}

/** Derives every summary figure from counts and histograms (so merges are exact). */
function finishReport(r: RunReport): RunReport {
  const table = RouteStatsTable.decode(r.histograms.routes);
  const total = table.total();
  r.histograms.total = encodeHistogram(total.latency);
  r.summary.latencyMs = summarizeMs(total.latency);
  const seconds = Math.max(0.001, r.meta.durationMs / 1000);
  r.summary.intendedRate = round2(r.summary.intended / seconds);
  r.summary.achievedRate = round2(r.summary.requests / seconds);
  r.routes = [...table.values()].map((s) => ({
    route: s.route, method: s.method, requests: s.requests, errors: s.errors, status: { ...s.status }, latencyMs: summarizeMs(s.latency),
  })).sort((a, b) => b.requests - a.requests);
  r.thresholds = r.thresholds.map((t) => evaluate(t, r, table));
  r.pass = r.thresholds.every((t) => t.pass);
  return r;
}

function evaluate(t: Threshold, r: RunReport, table: RouteStatsTable): ThresholdResult {
  const parsed = parseThreshold(t.expr);
  const base = { expr: t.expr, ...(t.route ? { route: t.route } : {}), ...(t.method ? { method: t.method } : {}) };
  if (typeof parsed === 'string') return { ...base, metric: 'invalid', actual: NaN, limit: NaN, pass: false };
  let actual: number;
  if (t.route) {
    const rows = [...table.values()].filter((s) => s.route === t.route && (!t.method || s.method === t.method));
    const merged = createHistogram();
    let requests = 0;
    let errors = 0;
    for (const s of rows) { merged.add(s.latency); requests += s.requests; errors += s.errors; }
    actual = metricOf(parsed, summarizeMs(merged), requests, errors, 0, requests / Math.max(0.001, r.meta.durationMs / 1000), requests);
  } else {
    const s = r.summary;
    actual = metricOf(parsed, s.latencyMs, s.requests, s.errors, s.dropped, s.achievedRate, s.intended);
  }
  return { ...base, metric: parsed.metric, actual, limit: parsed.limit, pass: compare(actual, parsed.op, parsed.limit) };
}

function metricOf(t: ParsedThreshold, l: LatencySummaryMs, requests: number, errors: number, dropped: number, rate: number, intended: number): number {
  switch (t.metric) {
    case 'errors': return t.share ? (requests === 0 ? 0 : errors / requests) : errors;
    case 'dropped': return t.share ? (intended === 0 ? 0 : dropped / intended) : dropped;
    case 'rate': return rate;
    default: return l[t.metric];
  }
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * Merges segment reports (`--segment i/n`) or any runs of one scenario into
 * one: counts add, histograms add exactly, so the merged percentiles equal
 * those of one run over all samples.
 */
export function mergeReports(reports: readonly RunReport[], thresholds?: readonly Threshold[]): RunReport {
  if (reports.length === 0) throw new ShadowtwinError('ST_ERR_REPORT_MERGE', 'nothing to merge; give two or more report files');
  for (const [i, r] of reports.entries()) {
    if (r?.kind !== 'shadowtwin.run-report' || r.version !== 1) throw new ShadowtwinError('ST_ERR_REPORT_MERGE', `input ${i + 1} is not a shadowtwin run report (version 1)`);
  }
  const first = reports[0]!;
  const table = new RouteStatsTable(10_000);
  for (const r of reports) for (const row of r.histograms.routes) table.get(row.route, row.method).add(row);
  const sum = (f: (r: RunReport) => number): number => reports.reduce((a, r) => a + f(r), 0);
  const outcomes: Record<string, number> = {};
  const faults: RunReport['faults'] = {};
  const timeline = new Map<number, TimelinePoint>();
  for (const r of reports) {
    for (const [k, v] of Object.entries(r.summary.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + v;
    for (const [k, f] of Object.entries(r.faults)) {
      const m = (faults[k] ??= { injected: 0, outcomes: {} });
      m.injected += f.injected;
      for (const [o, v] of Object.entries(f.outcomes)) m.outcomes[o] = (m.outcomes[o] ?? 0) + v;
    }
    for (const p of r.timeline) {
      const m = timeline.get(p.t) ?? { t: p.t, intended: 0, sent: 0, completed: 0, errors: 0, dropped: 0, p50: 0, p99: 0, lagMax: 0 };
      m.intended += p.intended; m.sent += p.sent; m.completed += p.completed; m.errors += p.errors; m.dropped += p.dropped;
      // Per-second percentiles are not mergeable exactly; keep the worst (conservative).
      m.p50 = Math.max(m.p50, p.p50); m.p99 = Math.max(m.p99, p.p99);
      m.lagMax = Math.max(m.lagMax, p.lagMax ?? 0); // max merges exactly; reports from before lagMax existed count 0
      timeline.set(p.t, m);
    }
  }
  return finishReport({
    kind: 'shadowtwin.run-report', version: 1,
    summary: {
      requests: sum((r) => r.summary.requests), errors: sum((r) => r.summary.errors), dropped: sum((r) => r.summary.dropped),
      intended: sum((r) => r.summary.intended), intendedRate: 0, achievedRate: 0,
      latencyMs: first.summary.latencyMs, lagMs: summarizeMs(mergeHistograms(reports.map((r) => r.histograms.lag))),
      outcomes, bytesSent: sum((r) => r.summary.bytesSent), bytesReceived: sum((r) => r.summary.bytesReceived),
    },
    routes: [],
    histograms: { unit: 'us', total: '', lag: encodeHistogram(mergeHistograms(reports.map((r) => r.histograms.lag))), routes: table.encode() },
    faults,
    timeline: [...timeline.values()].sort((a, b) => a.t - b.t),
    thresholds: (thresholds ?? first.thresholds).map((t) => ({ expr: t.expr, ...(t.route ? { route: t.route } : {}), ...(t.method ? { method: t.method } : {}), metric: '', actual: 0, limit: 0, pass: true })),
    pass: true,
    meta: { ...first.meta, durationMs: Math.max(...reports.map((r) => r.meta.durationMs)), segment: undefined, segments: reports.length },
  });
}

