import { decodeHistogram, summarizeMs } from '../../common/histogram.js';
import { textTable, visible } from '../../common/text-table.js';
import type { SparseCounts } from './count-runs.js';
import { DistinctCounter } from './distinct-counter.js';
import { upgradeModel } from './model-version.js';
import { rateSeries, stepCounts } from './rate-series.js';
import type { RequestModel, RequestModelV1 } from './request-model.js';

/**
 * The route report: how many templates (and how many were generalised at build), where they came from (route table,
 * the source, inference) as shares of requests, and the largest groups:
 * templates that gather the most distinct raw paths (where a wrong collapse
 * would hurt most, and what a route table should name first).
 */
export function routeReport(m: RequestModel): { templates: number; generalised: number; coverage: { table: number; source: number; inferred: number } | null; largestGroups: Array<{ route: string; method: string; distinctPaths: number; requests: number; share: number }> } {
  const total = Math.max(1, m.provenance.records);
  const src = m.routeSources;
  const round = (x: number): number => Math.round(x * 10_000) / 10_000;
  return {
    templates: m.routes.length,
    /** Routes generalised at build (route collapse: `:param` or `*` made from several inferred templates). */
    generalised: m.routes.filter((r) => r.collapsed).length,
    coverage: src ? { table: round(src.table / total), source: round(src.source / total), inferred: round(src.inferred / total) } : null,
    largestGroups: m.routes.filter((r) => r.distinctPaths)
      .map((r) => ({ route: r.route, method: r.method, distinctPaths: DistinctCounter.fromBase64(r.distinctPaths!).estimate(), requests: r.requests, share: round(r.weight) }))
      .sort((a, b) => b.distinctPaths - a.distinctPaths || b.requests - a.requests)
      .slice(0, 10),
  };
}

/** Size quantiles from an HDR stored as bytes + 1. */
export function sizeQuantiles(encoded: string): { p50: number; p90: number; p99: number } {
  const h = decodeHistogram(encoded);
  const at = (p: number): number => (h.totalCount === 0 ? 0 : Math.max(0, h.getValueAtPercentile(p) - 1));
  return { p50: at(50), p90: at(90), p99: at(99) };
}

/** The `profile show --json` contract (docs/profiler.md). */
export function summarizeModel(model: RequestModel | RequestModelV1): Record<string, unknown> {
  const m = upgradeModel(model);
  const sessions = m.sessions ? (() => {
    const len = decodeHistogram(m.sessions.length);
    const think = decodeHistogram(m.sessions.thinkTimeMs);
    return {
      count: m.sessions.count, gapMs: m.sessions.gapMs,
      length: { mean: Math.round(len.mean * 100) / 100, p50: len.getValueAtPercentile(50), p90: len.getValueAtPercentile(90), p99: len.getValueAtPercentile(99) },
      thinkTimeMs: { p50: think.getValueAtPercentile(50), p90: think.getValueAtPercentile(90) },
      starts: Object.entries(m.sessions.start).sort((a, b) => b[1] - a[1]).slice(0, 10).map(([route, count]) => ({ route, count })),
    };
  })() : null;
  return {
    records: m.provenance.records,
    skipped: { total: m.provenance.skipped.total, byReason: m.provenance.skipped.byReason },
    window: m.provenance.window,
    routes: m.routes.map((r) => ({
      route: r.route, method: r.method, weight: r.weight, requests: r.requests, status: r.status,
      reqBytes: sizeQuantiles(r.reqBytes), resBytes: sizeQuantiles(r.resBytes),
      ...(r.latency ? { latencyMs: summarizeMs(decodeHistogram(r.latency)) } : {}),
    })),
    sessions,
    rate: (() => { const s = rateSeries(m.rate); return { step: m.rate.stepMs, start: s.start, series: s.values, dispersion: m.rate.dispersion, hourOfDay: m.rate.hourOfDay }; })(),
    userAgents: m.userAgents,
    routeInference: routeReport(m),
    clients: { distinct: m.clients.distinct },
  };
}

const BARS = '▁▂▃▄▅▆▇█';

/**
 * Bars scaled from the smallest to the largest value, so a shape that
 * varies between 345 and 498 shows (print the range next to it: the bars
 * alone do not say how large the variation is). A constant series is a
 * row of middle bars, all zeros a row of the lowest.
 */
function bars(values: readonly number[]): string {
  if (values.length === 0) return '';
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
  if (hi === lo) return (hi > 0 ? BARS[3]! : BARS[0]!).repeat(values.length);
  return values.map((v) => BARS[Math.min(7, Math.floor(((v - lo) / (hi - lo)) * 8))]).join('');
}

/** At most `width` bars; neighbouring values are averaged (so a short last group does not look like a drop). */
export function sparkline(values: readonly number[], width = 60): string {
  const per = Math.max(1, Math.ceil(values.length / width));
  const out: number[] = [];
  for (let i = 0; i < values.length; i += per) {
    const group = values.slice(i, i + per);
    out.push(group.reduce((a, b) => a + b, 0) / group.length);
  }
  return bars(out);
}

/** A sparkline of a sparse series over its whole window (empty slots count as 0) without expanding it. */
export function sparklineOfCounts(s: SparseCounts, width = 60): { line: string; min: number; max: number } {
  if (s.slots.length === 0) return { line: '', min: 0, max: 0 };
  const first = s.slots[0]!;
  const n = s.slots[s.slots.length - 1]! - first + 1;
  const per = Math.max(1, Math.ceil(n / width));
  const groups = Math.ceil(n / per);
  const sums = new Array<number>(groups).fill(0);
  let min = n > s.slots.length ? 0 : Infinity;
  let max = 0;
  for (let i = 0; i < s.slots.length; i++) {
    sums[Math.floor((s.slots[i]! - first) / per)]! += s.counts[i]!;
    min = Math.min(min, s.counts[i]!);
    max = Math.max(max, s.counts[i]!);
  }
  return { line: bars(sums.map((v, g) => v / Math.min(per, n - g * per))), min, max };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export function renderModel(model: RequestModel | RequestModelV1): string {
  const m = upgradeModel(model);
  const s = summarizeRoutes(m);
  const lines = [
    `records ${m.provenance.records}  skipped ${m.provenance.skipped.total}${m.provenance.skipped.total ? ` (${Object.entries(m.provenance.skipped.byReason).map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`,
    `window ${new Date(m.provenance.window.start).toISOString()} → ${new Date(m.provenance.window.end).toISOString()}`,
    '',
  ];
  const rows = s.slice(0, 25).map((r) => {
    const total = Object.values(r.status).reduce((a, b) => a + b, 0) || 1;
    const share = (pred: (code: number) => boolean): string => ((100 * Object.entries(r.status).filter(([k]) => pred(Number(k))).reduce((a, [, v]) => a + v, 0)) / total).toFixed(1);
    return [r.route, r.method, `${(r.weight * 100).toFixed(2)}%`, String(r.requests), share((c) => c >= 200 && c < 300), share((c) => c >= 500), String(r.resBytes.p50), String(r.resBytes.p99)];
  });
  lines.push(...textTable([
    { header: 'route', max: 50, cut: 'middle' }, { header: 'method', max: 10 }, { header: 'weight', align: 'right' }, { header: 'requests', align: 'right' },
    { header: '2xx%', align: 'right' }, { header: '5xx%', align: 'right' }, { header: 'resBytes p50', align: 'right' }, { header: 'p99', align: 'right' },
  ], rows));
  if (m.routes.length > 25) lines.push(`… ${m.routes.length - 25} more routes (--json for all)`);
  const rr = routeReport(m);
  const cov = rr.coverage ? ` (by requests: ${(rr.coverage.table * 100).toFixed(1)}% route table, ${(rr.coverage.source * 100).toFixed(1)}% named by the source, ${(rr.coverage.inferred * 100).toFixed(1)}% inferred)` : '';
  lines.push('', `route templates: ${rr.templates}${rr.generalised ? `, ${rr.generalised} generalised at build` : ''}${cov}`);
  const groups = rr.largestGroups.filter((g) => g.distinctPaths > 1).slice(0, 5);
  if (groups.length) lines.push(`largest groups: ${groups.map((g) => `${visible(g.method)} ${visible(g.route)} ~${g.distinctPaths.toLocaleString('en')} paths (${(g.share * 100).toFixed(1)}%)`).join(', ')}`);
  const rate = sparklineOfCounts(stepCounts(m.rate));
  const hours = m.rate.hourOfDay;
  lines.push('',
    `rate per ${m.rate.stepMs / 1000}s: ${rate.line}  (${rate.min}–${rate.max} requests a step)`,
    `hour of day (UTC, 0–23): ${sparkline(hours, 24)}  (${pct(Math.min(...hours))}–${pct(Math.max(...hours))} of requests an hour)`,
    `burstiness (per-second index of dispersion): ${m.rate.dispersion} ${m.rate.dispersion > 1.5 ? '(bursty)' : m.rate.dispersion < 0.7 ? '(more regular than Poisson)' : '(≈ Poisson)'}`);
  if (m.sessions) {
    const len = decodeHistogram(m.sessions.length);
    lines.push(`sessions ${m.sessions.count} (gap ${m.sessions.gapMs / 60000} min): length mean ${len.mean.toFixed(2)}, p90 ${len.getValueAtPercentile(90)}; top starts ${Object.entries(m.sessions.start).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k]) => visible(k)).join(', ')}`);
  }
  lines.push(`user agents: ${Object.entries(m.userAgents).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${visible(k)} ${((100 * v) / Math.max(1, m.provenance.records)).toFixed(1)}%`).join(', ')}`);
  return lines.join('\n') + '\n';
}

/** The per-route rows of the summary (no rate series: rendering must not expand the window). */
function summarizeRoutes(m: RequestModel): Array<{ route: string; method: string; weight: number; requests: number; status: Record<string, number>; resBytes: { p50: number; p99: number } }> {
  return m.routes.map((r) => ({ route: r.route, method: r.method, weight: r.weight, requests: r.requests, status: r.status, resBytes: sizeQuantiles(r.resBytes) }));
}
