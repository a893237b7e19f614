import { decodeHistogram, summarizeMs } from '../../common/histogram.js';
import { DistinctCounter } from './distinct-counter.js';
import type { RequestModel } from './request-model.js';

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
export function summarizeModel(m: RequestModel): Record<string, unknown> {
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
    rate: { step: m.rate.stepMs, start: m.rate.start, series: m.rate.counts, dispersion: m.rate.dispersion, hourOfDay: m.rate.hourOfDay },
    userAgents: m.userAgents,
    routeInference: routeReport(m),
    clients: { distinct: m.clients.distinct },
  };
}

const BARS = '▁▂▃▄▅▆▇█';
export function sparkline(values: readonly number[], width = 60): string {
  if (values.length === 0) return '';
  const per = Math.max(1, Math.ceil(values.length / width));
  const buckets: number[] = [];
  for (let i = 0; i < values.length; i += per) buckets.push(values.slice(i, i + per).reduce((a, b) => a + b, 0));
  const max = Math.max(...buckets, 1);
  return buckets.map((v) => BARS[Math.min(7, Math.floor((v / max) * 7.999))]).join('');
}

export function renderModel(m: RequestModel): string {
  const s = summarizeModel(m) as { routes: Array<{ route: string; method: string; weight: number; requests: number; status: Record<string, number>; resBytes: { p50: number; p99: number } }> };
  const lines = [
    `records ${m.provenance.records}  skipped ${m.provenance.skipped.total}${m.provenance.skipped.total ? ` (${Object.entries(m.provenance.skipped.byReason).map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`,
    `window ${new Date(m.provenance.window.start).toISOString()} → ${new Date(m.provenance.window.end).toISOString()}`,
    '',
    'route                                  method   weight  requests  2xx%   5xx%  resBytes p50   p99',
  ];
  for (const r of s.routes.slice(0, 25)) {
    const total = Object.values(r.status).reduce((a, b) => a + b, 0) || 1;
    const share = (pred: (code: number) => boolean): string => ((100 * Object.entries(r.status).filter(([k]) => pred(Number(k))).reduce((a, [, v]) => a + v, 0)) / total).toFixed(1);
    lines.push(`${r.route.padEnd(39).slice(0, 39)}${r.method.padEnd(7)}${(r.weight * 100).toFixed(2).padStart(7)}%${String(r.requests).padStart(10)}${share((c) => c >= 200 && c < 300).padStart(6)}${share((c) => c >= 500).padStart(7)}${String(r.resBytes.p50).padStart(14)}${String(r.resBytes.p99).padStart(7)}`);
  }
  if (m.routes.length > 25) lines.push(`… ${m.routes.length - 25} more routes (--json for all)`);
  const rr = routeReport(m);
  const cov = rr.coverage ? ` (by requests: ${(rr.coverage.table * 100).toFixed(1)}% route table, ${(rr.coverage.source * 100).toFixed(1)}% named by the source, ${(rr.coverage.inferred * 100).toFixed(1)}% inferred)` : '';
  lines.push('', `route templates: ${rr.templates}${rr.generalised ? `, ${rr.generalised} generalised at build` : ''}${cov}`);
  const groups = rr.largestGroups.filter((g) => g.distinctPaths > 1).slice(0, 5);
  if (groups.length) lines.push(`largest groups: ${groups.map((g) => `${g.method} ${g.route} ~${g.distinctPaths.toLocaleString('en')} paths (${(g.share * 100).toFixed(1)}%)`).join(', ')}`);
  lines.push('', `rate per ${m.rate.stepMs / 1000}s: ${sparkline(m.rate.counts)}`, `hour of day (UTC): ${sparkline(m.rate.hourOfDay, 24)}`, `burstiness (per-second index of dispersion): ${m.rate.dispersion} ${m.rate.dispersion > 1.5 ? '(bursty)' : m.rate.dispersion < 0.7 ? '(more regular than Poisson)' : '(≈ Poisson)'}`);
  if (m.sessions) {
    const len = decodeHistogram(m.sessions.length);
    lines.push(`sessions ${m.sessions.count} (gap ${m.sessions.gapMs / 60000} min): length mean ${len.mean.toFixed(2)}, p90 ${len.getValueAtPercentile(90)}; top starts ${Object.entries(m.sessions.start).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k]) => k).join(', ')}`);
  }
  lines.push(`user agents: ${Object.entries(m.userAgents).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ${((100 * v) / Math.max(1, m.provenance.records)).toFixed(1)}%`).join(', ')}`);
  return lines.join('\n') + '\n';
}
