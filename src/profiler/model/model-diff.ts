import { decodeHistogram } from '../../common/histogram.js';
import { QuantileTable } from './model-sampler.js';
import type { RequestModel } from './request-model.js';

/** Jensen–Shannon divergence (base 2, 0..1) between two count maps. */
export function jensenShannon(p: Record<string, number>, q: Record<string, number>): number {
  const sp = Object.values(p).reduce((a, b) => a + b, 0) || 1;
  const sq = Object.values(q).reduce((a, b) => a + b, 0) || 1;
  let d = 0;
  for (const k of new Set([...Object.keys(p), ...Object.keys(q)])) {
    const a = (p[k] ?? 0) / sp;
    const b = (q[k] ?? 0) / sq;
    const m = (a + b) / 2;
    if (a > 0) d += 0.5 * a * Math.log2(a / m);
    if (b > 0) d += 0.5 * b * Math.log2(b / m);
  }
  return d;
}

/** Two-sample KS statistic between two HDR distributions, from their quantile tables. */
export function ksFromHistograms(a: string, b: string): number {
  const qa = new QuantileTable(a);
  const qb = new QuantileTable(b);
  const pts: number[] = [];
  for (let i = 0; i <= 1000; i++) pts.push(qa.sample(i / 1000), qb.sample(i / 1000));
  pts.sort((x, y) => x - y);
  const cdf = (q: QuantileTable, v: number): number => {
    let lo = 0;
    let hi = 1000;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (q.sample(mid / 1000) <= v) lo = mid;
      else hi = mid - 1;
    }
    return q.sample(0) > v ? 0 : lo / 1000;
  };
  let d = 0;
  for (const v of pts) d = Math.max(d, Math.abs(cdf(qa, v) - cdf(qb, v)));
  return Math.round(d * 10_000) / 10_000;
}

/** What `profile diff` compares; each is a divergence in 0..1 (Jensen–Shannon or KS). */
export const DIFF_CHECKS = ['route-mix', 'method-mix', 'user-agents', 'session-length', 'sizes', 'latency', 'status'] as const;
export type DiffCheck = (typeof DIFF_CHECKS)[number];

export interface ModelDiff {
  routeMix: { jsd: number; added: string[]; removed: string[] };
  methodMix: { jsd: number };
  userAgents: { jsd: number; added: string[]; removed: string[] };
  /** Session lengths (requests per session): KS and means; absent when neither model has sessions. */
  sessions?: { lengthKs: number; meanBefore: number | null; meanAfter: number | null; countBefore: number; countAfter: number };
  routes: Array<{ route: string; method: string; weightBefore: number; weightAfter: number; resBytesKs: number; reqBytesKs: number; latencyKs?: number; statusJsd: number }>;
  /** The largest divergence per check (absent: nothing to compare, e.g. no latency in either input). */
  checks: Partial<Record<DiffCheck, number>>;
  maxDivergence: number;
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

function sumBy(m: RequestModel, key: (r: RequestModel['routes'][number]) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of m.routes) out[key(r)] = (out[key(r)] ?? 0) + r.requests;
  return out;
}

/** The largest divergence among `checks` (every check when none are named). */
export function divergenceOf(d: ModelDiff, checks: readonly DiffCheck[] = DIFF_CHECKS): number {
  let max = 0;
  for (const c of checks) max = Math.max(max, d.checks[c] ?? 0);
  return max;
}

/**
 * Drift between two models: route, method and user-agent mixes (JS),
 * session lengths (KS), per-route size/latency distributions (KS) and
 * status mixes (JS).
 */
export function diffModels(before: RequestModel, after: RequestModel): ModelDiff {
  const a = sumBy(before, (r) => `${r.method} ${r.route}`);
  const b = sumBy(after, (r) => `${r.method} ${r.route}`);
  const routes: ModelDiff['routes'] = [];
  for (const r of after.routes) {
    const o = before.routes.find((x) => x.route === r.route && x.method === r.method);
    if (!o) continue;
    const row: ModelDiff['routes'][number] = {
      route: r.route, method: r.method, weightBefore: o.weight, weightAfter: r.weight,
      resBytesKs: ksFromHistograms(o.resBytes, r.resBytes), reqBytesKs: ksFromHistograms(o.reqBytes, r.reqBytes),
      statusJsd: round4(jensenShannon(o.status, r.status)),
    };
    if (o.latency && r.latency) row.latencyKs = ksFromHistograms(o.latency, r.latency);
    routes.push(row);
  }
  routes.sort((x, y) => Math.max(y.resBytesKs, y.latencyKs ?? 0, y.statusJsd) - Math.max(x.resBytesKs, x.latencyKs ?? 0, x.statusJsd));
  const jsd = round4(jensenShannon(a, b));
  const methodJsd = round4(jensenShannon(sumBy(before, (r) => r.method), sumBy(after, (r) => r.method)));
  const uaBefore = before.userAgents ?? {};
  const uaAfter = after.userAgents ?? {};
  const uaJsd = round4(jensenShannon(uaBefore, uaAfter));
  let sessions: ModelDiff['sessions'];
  if (before.sessions || after.sessions) {
    const mean = (m: RequestModel): number | null => (m.sessions ? Math.round(decodeHistogram(m.sessions.length).mean * 1000) / 1000 : null);
    sessions = {
      // One side without sessions (no session or client key in its input) is as far apart as it gets.
      lengthKs: before.sessions && after.sessions ? ksFromHistograms(before.sessions.length, after.sessions.length) : 1,
      meanBefore: mean(before), meanAfter: mean(after), countBefore: before.sessions?.count ?? 0, countAfter: after.sessions?.count ?? 0,
    };
  }
  const checks: ModelDiff['checks'] = { 'route-mix': jsd, 'method-mix': methodJsd, 'user-agents': uaJsd };
  if (sessions) checks['session-length'] = sessions.lengthKs;
  if (routes.length) {
    checks.sizes = Math.max(...routes.map((r) => Math.max(r.resBytesKs, r.reqBytesKs)));
    checks.status = Math.max(...routes.map((r) => r.statusJsd));
    const lat = routes.filter((r) => r.latencyKs !== undefined).map((r) => r.latencyKs!);
    if (lat.length) checks.latency = Math.max(...lat);
  }
  const d: ModelDiff = {
    routeMix: { jsd, added: Object.keys(b).filter((k) => !(k in a)), removed: Object.keys(a).filter((k) => !(k in b)) },
    methodMix: { jsd: methodJsd },
    userAgents: { jsd: uaJsd, added: Object.keys(uaAfter).filter((k) => !(k in uaBefore)), removed: Object.keys(uaBefore).filter((k) => !(k in uaAfter)) },
    ...(sessions ? { sessions } : {}),
    routes,
    checks,
    maxDivergence: 0,
  };
  d.maxDivergence = divergenceOf(d);
  return d;
}
