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

export interface ModelDiff {
  routeMix: { jsd: number; added: string[]; removed: string[] };
  routes: Array<{ route: string; method: string; weightBefore: number; weightAfter: number; resBytesKs: number; reqBytesKs: number; latencyKs?: number; statusJsd: number }>;
  maxDivergence: number;
}

/** Drift between two models: route mix (JS), per-route size/latency distributions (KS) and status mixes (JS). */
export function diffModels(before: RequestModel, after: RequestModel): ModelDiff {
  const mix = (m: RequestModel): Record<string, number> => Object.fromEntries(m.routes.map((r) => [`${r.method} ${r.route}`, r.requests]));
  const a = mix(before);
  const b = mix(after);
  const routes: ModelDiff['routes'] = [];
  for (const r of after.routes) {
    const o = before.routes.find((x) => x.route === r.route && x.method === r.method);
    if (!o) continue;
    const row: ModelDiff['routes'][number] = {
      route: r.route, method: r.method, weightBefore: o.weight, weightAfter: r.weight,
      resBytesKs: ksFromHistograms(o.resBytes, r.resBytes), reqBytesKs: ksFromHistograms(o.reqBytes, r.reqBytes),
      statusJsd: Math.round(jensenShannon(o.status, r.status) * 10_000) / 10_000,
    };
    if (o.latency && r.latency) row.latencyKs = ksFromHistograms(o.latency, r.latency);
    routes.push(row);
  }
  routes.sort((x, y) => Math.max(y.resBytesKs, y.latencyKs ?? 0, y.statusJsd) - Math.max(x.resBytesKs, x.latencyKs ?? 0, x.statusJsd));
  const jsd = Math.round(jensenShannon(a, b) * 10_000) / 10_000;
  return {
    routeMix: { jsd, added: Object.keys(b).filter((k) => !(k in a)), removed: Object.keys(a).filter((k) => !(k in b)) },
    routes,
    maxDivergence: Math.max(jsd, ...routes.map((r) => Math.max(r.resBytesKs, r.reqBytesKs, r.latencyKs ?? 0, r.statusJsd))),
  };
}
