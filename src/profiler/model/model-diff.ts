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

/**
 * Significance level of the per-route tests: a route's size, latency or
 * status divergence counts towards its check only when it is unlikely to
 * be sampling noise between two samples of the same traffic (0.1%: a model
 * has many routes, and each is tested).
 */
export const DIFF_ALPHA = 0.001;
/** …and only when both sides have at least this many requests on the route. */
export const DIFF_MIN_REQUESTS = 30;

/** The two-sample KS critical value at `alpha` for samples of n and m: `c(α)·√((n+m)/(n·m))`, `c(α) = √(−ln(α/2)/2)`. */
export function ksCritical(n: number, m: number, alpha = DIFF_ALPHA): number {
  return Math.sqrt(-Math.log(alpha / 2) / 2) * Math.sqrt((n + m) / (n * m));
}

/** Upper standard normal quantile z(α) for small α (Acklam's tail approximation, relative error < 1.2e-9). */
function normalUpper(alpha: number): number {
  const q = Math.sqrt(-2 * Math.log(alpha));
  const lower = (((((-0.007784894002430293 * q - 0.3223964580411365) * q - 2.400758277161838) * q - 2.549732539343734) * q + 4.374664141464968) * q + 2.938163982698783)
    / ((((0.007784695709041462 * q + 0.3224671290700398) * q + 2.445134137142996) * q + 3.754408661907416) * q + 1);
  return -lower;
}

/** Chi-square critical value at `alpha` with `df` degrees of freedom (Wilson–Hilferty). */
function chiSquareCritical(df: number, alpha = DIFF_ALPHA): number {
  const z = normalUpper(alpha);
  const k = 2 / (9 * df);
  return df * Math.pow(1 - k + z * Math.sqrt(k), 3);
}

/** Whether two status count maps differ beyond sampling noise: Pearson's chi-square test of homogeneity at `alpha`. */
export function statusDiffers(a: Record<string, number>, b: Record<string, number>, alpha = DIFF_ALPHA): boolean {
  const n = Object.values(a).reduce((x, y) => x + y, 0);
  const m = Object.values(b).reduce((x, y) => x + y, 0);
  if (n === 0 || m === 0) return false;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  if (keys.length < 2) return false;
  let chi = 0;
  for (const k of keys) {
    const total = (a[k] ?? 0) + (b[k] ?? 0);
    const ea = (total * n) / (n + m);
    const eb = (total * m) / (n + m);
    chi += ((a[k] ?? 0) - ea) ** 2 / ea + ((b[k] ?? 0) - eb) ** 2 / eb;
  }
  return chi > chiSquareCritical(keys.length - 1, alpha);
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
  /**
   * Per-route divergences (the raw statistics). `counted`: the ones that
   * count towards the sizes/latency/status checks, i.e. both sides have
   * `DIFF_MIN_REQUESTS` and the difference is significant at `DIFF_ALPHA`.
   */
  routes: Array<{
    route: string; method: string; weightBefore: number; weightAfter: number; requestsBefore: number; requestsAfter: number;
    resBytesKs: number; reqBytesKs: number; latencyKs?: number; statusJsd: number;
    counted: { sizes: boolean; latency: boolean; status: boolean };
  }>;
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
 * status mixes (JS). A per-route divergence counts towards its check only
 * where both sides have `DIFF_MIN_REQUESTS` requests and it is significant
 * at `DIFF_ALPHA` (KS critical value for n, m; chi-square for statuses).
 */
export function diffModels(before: RequestModel, after: RequestModel): ModelDiff {
  const a = sumBy(before, (r) => `${r.method} ${r.route}`);
  const b = sumBy(after, (r) => `${r.method} ${r.route}`);
  const routes: ModelDiff['routes'] = [];
  for (const r of after.routes) {
    const o = before.routes.find((x) => x.route === r.route && x.method === r.method);
    if (!o) continue;
    const n = o.requests;
    const m = r.requests;
    const enough = n >= DIFF_MIN_REQUESTS && m >= DIFF_MIN_REQUESTS;
    const crit = ksCritical(n, m);
    const resBytesKs = ksFromHistograms(o.resBytes, r.resBytes);
    const reqBytesKs = ksFromHistograms(o.reqBytes, r.reqBytes);
    const row: ModelDiff['routes'][number] = {
      route: r.route, method: r.method, weightBefore: o.weight, weightAfter: r.weight, requestsBefore: n, requestsAfter: m,
      resBytesKs, reqBytesKs, statusJsd: round4(jensenShannon(o.status, r.status)),
      counted: { sizes: enough && Math.max(resBytesKs, reqBytesKs) > crit, latency: false, status: enough && statusDiffers(o.status, r.status) },
    };
    if (o.latency && r.latency) {
      row.latencyKs = ksFromHistograms(o.latency, r.latency);
      row.counted.latency = enough && row.latencyKs > crit;
    }
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
    // Only significant differences on routes with enough requests: a route of 4 requests has a KS of 0.5 by chance alone.
    checks.sizes = Math.max(0, ...routes.filter((r) => r.counted.sizes).map((r) => Math.max(r.resBytesKs, r.reqBytesKs)));
    checks.status = Math.max(0, ...routes.filter((r) => r.counted.status).map((r) => r.statusJsd));
    if (routes.some((r) => r.latencyKs !== undefined)) checks.latency = Math.max(0, ...routes.filter((r) => r.counted.latency).map((r) => r.latencyKs!));
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
