import {
  createHistogram, encodeHistogram, mergeHistograms, RouteStatsTable, RUN_REPORT_VERSION, ShadowtwinError, summarizeMs,
  type LatencySummaryMs, type RunReport, type Threshold, type ThresholdResult, type TimelinePoint,
} from '../common/index.js';
import type { RunRecorder } from './run-recorder.js';
import { compare, parseThreshold, type ParsedThreshold } from './thresholds.js';

// The document and its reader are the run-report contract (src/common/contracts/run-report.ts); this file builds and merges reports.
export { checkRunReport, RUN_REPORT_VERSION, type RouteReport, type RunReport } from '../common/index.js';

/**
 * When no request of a run got an HTTP answer (every one refused, reset or
 * timed out), says so with the outcome counts; otherwise undefined. A run
 * like that measured the network, not the service.
 */
export function unansweredRun(r: RunReport): string | undefined {
  const o = r.summary.outcomes;
  const answered = ['1xx', '2xx', '3xx', '4xx', '5xx'].reduce((a, k) => a + (o[k] ?? 0), 0);
  if (answered > 0 || r.summary.requests === 0) return undefined;
  const how = Object.entries(o).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ');
  return `none of the ${r.summary.requests} requests to ${r.meta.target} got an HTTP answer (${how}); check the URL and that the service is up`;
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
export function mergeReports(reports: readonly RunReport[], thresholds?: readonly Threshold[], names: readonly string[] = reports.map((_, i) => `input ${i + 1}`)): RunReport {
  if (reports.length === 0) throw new ShadowtwinError('ST_ERR_REPORT_MERGE', 'nothing to merge; give two or more report files');
  for (const [i, r] of reports.entries()) {
    if (r?.kind !== 'shadowtwin.run-report' || r.version !== RUN_REPORT_VERSION) throw new ShadowtwinError('ST_ERR_REPORT_MERGE', `input ${i + 1} is not a shadowtwin run report (version ${RUN_REPORT_VERSION})`);
  }
  const identityProblem = runIdentityProblem(reports, names);
  if (identityProblem) throw new ShadowtwinError('ST_ERR_REPORT_MERGE', identityProblem);
  const segmentProblem = segmentsProblem(reports, names);
  if (segmentProblem) throw new ShadowtwinError('ST_ERR_REPORT_MERGE', segmentProblem);
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
    meta: {
      ...first.meta, durationMs: Math.max(...reports.map((r) => r.meta.durationMs)), segment: undefined, segments: reports.length,
      runId: undefined, runIds: reports.flatMap(runIdsOf),
      ...(reports.some((r) => r.meta.interrupted) ? { interrupted: true as const } : {}),
    },
  });
}

/**
 * Segments (`--segment i/n`) merge into one run only as a set of distinct
 * shares of one split: the same segment twice would double-count its share
 * and look like a complete run. Missing segments are allowed (an agent
 * failed) and said by `missingSegments`.
 */
/** The runs a report covers: its runIds, else (reports from before runId) its start time, target and segment. */
function runIdsOf(r: RunReport): string[] {
  if (r.meta.runIds?.length) return r.meta.runIds;
  if (r.meta.runId) return [r.meta.runId];
  return [`${r.meta.start}|${r.meta.target}|${r.meta.segment ? `${r.meta.segment.index}/${r.meta.segment.count}` : 'whole'}`];
}

/**
 * The same run twice (the same file given twice, or a merged report with one
 * of its parts) would count its requests twice; reports of different
 * scenarios (other target, load, source or seed) are not shares of one run.
 */
function runIdentityProblem(reports: readonly RunReport[], names: readonly string[]): string | undefined {
  const seen = new Map<string, string>();
  for (const [i, r] of reports.entries()) {
    for (const id of runIdsOf(r)) {
      const other = seen.get(id);
      if (other !== undefined) return `${other} and ${names[i]} contain the same run (${id.includes('|') ? `started ${r.meta.start}` : `runId ${id}`}): merging it twice counts its requests twice; give each run once`;
      seen.set(id, names[i]!);
    }
  }
  // Reports from before scenarioId are compared by what their meta says of the scenario.
  const all = reports.every((r) => r.meta.scenarioId);
  const scenarioOf = (r: RunReport): string => (all ? `scenario ${r.meta.scenarioId}` : `target ${r.meta.target}, executor ${r.meta.executor}, source ${r.meta.source}, seed ${r.meta.seed}`);
  const first = scenarioOf(reports[0]!);
  for (const [i, r] of reports.entries()) {
    const mine = scenarioOf(r);
    if (mine !== first) return `${names[0]} and ${names[i]} are runs of different scenarios (${first} vs ${mine}: other target, load, source, seed or options): merge the segments or repeats of one scenario`;
  }
  return undefined;
}

function segmentsProblem(reports: readonly RunReport[], names: readonly string[]): string | undefined {
  const seen = new Map<string, string>();
  let count: number | undefined;
  for (const [i, r] of reports.entries()) {
    const s = r.meta.segment;
    if (!s) continue;
    if (count !== undefined && s.count !== count) return `${names[i]} is segment ${s.index}/${s.count} but an earlier report was split in ${count}; merge segments of one split`;
    count = s.count;
    const key = `${s.index}/${s.count}`;
    const other = seen.get(key);
    if (other !== undefined) return `${other} and ${names[i]} are both segment ${key}: merging a segment twice counts its share twice; give each segment once`;
    seen.set(key, names[i]!);
  }
  if (seen.size > 0 && seen.size < reports.length) return 'some reports are segments (--segment) and some are whole runs; merge either the segments of one run or whole runs';
  return undefined;
}

/** Segments of a split that the reports do not include (e.g. ["2/4"]); empty when none are missing or none are segments. */
export function missingSegments(reports: readonly RunReport[]): string[] {
  const segs = reports.map((r) => r.meta.segment).filter((s): s is { index: number; count: number } => s !== undefined);
  if (segs.length === 0) return [];
  const have = new Set(segs.map((s) => s.index));
  return Array.from({ length: segs[0]!.count }, (_, i) => i).filter((i) => !have.has(i)).map((i) => `${i}/${segs[0]!.count}`);
}

