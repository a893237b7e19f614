/**
 * A cost model per route: how much of a resource (CPU cores, or a share of
 * one replica's capacity) one request per second of each route costs,
 * fitted by non-negative least squares of a resource series on per-route
 * request rates (resource ≈ base + Σ cost_r · rate_r). It turns a forecast
 * of the total rate and a route mix (a flash sale sends 3× the usual share
 * to checkout) into projected demand, and so into replicas: the same total
 * rate needs more replicas when the mix shifts towards expensive routes.
 * Pure; the samples come from Prometheus, sidecar windows or capacity runs.
 */
export interface CostSample {
  /** Requests per second by route key (`METHOD /template`). */
  rates: Record<string, number>;
  /** The resource used over the same interval (e.g. CPU cores). */
  resource: number;
}

export interface CostModel {
  /** Resource per (request/s), by route key; 0 for routes the data could not tell apart from free. */
  costs: Record<string, number>;
  /** Resource used at zero traffic (idle replicas, background work). */
  base: number;
  /** Share of the resource series' variance explained. */
  r2: number;
  samples: number;
}

/**
 * Lawson–Hanson-style NNLS by cyclic coordinate descent (the problem is
 * small: routes × samples), with an unconstrained-sign intercept kept ≥ 0.
 */
export function fitCostModel(samples: readonly CostSample[], iterations = 2000): CostModel {
  const routes = [...new Set(samples.flatMap((s) => Object.keys(s.rates)))].sort();
  const n = samples.length;
  if (n < routes.length + 1) throw new Error(`a cost model for ${routes.length} routes needs at least ${routes.length + 1} samples (have ${n})`);
  // Columns: intercept, then one per route. Scale columns to unit mean square for conditioning.
  const X = samples.map((s) => [1, ...routes.map((r) => s.rates[r] ?? 0)]);
  const y = samples.map((s) => s.resource);
  const p = routes.length + 1;
  const scale = Array.from({ length: p }, (_, j) => Math.sqrt(X.reduce((a, row) => a + row[j]! ** 2, 0) / n) || 1);
  const Z = X.map((row) => row.map((v, j) => v / scale[j]!));
  const beta = new Array<number>(p).fill(0);
  const resid = [...y];
  const colSq = Array.from({ length: p }, (_, j) => Z.reduce((a, row) => a + row[j]! ** 2, 0));
  for (let it = 0; it < iterations; it++) {
    let moved = 0;
    for (let j = 0; j < p; j++) {
      if (colSq[j] === 0) continue;
      let g = 0;
      for (let i = 0; i < n; i++) g += Z[i]![j]! * resid[i]!;
      const next = Math.max(0, beta[j]! + g / colSq[j]!);
      const d = next - beta[j]!;
      if (d !== 0) {
        for (let i = 0; i < n; i++) resid[i]! -= d * Z[i]![j]!;
        beta[j] = next;
        moved = Math.max(moved, Math.abs(d));
      }
    }
    if (moved < 1e-12) break;
  }
  const coef = beta.map((b, j) => b / scale[j]!);
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const ssTot = y.reduce((a, v) => a + (v - mean) ** 2, 0);
  const ssRes = resid.reduce((a, r) => a + r * r, 0);
  return {
    base: coef[0]!,
    costs: Object.fromEntries(routes.map((r, i) => [r, coef[i + 1]!])),
    r2: ssTot > 0 ? 1 - ssRes / ssTot : 1,
    samples: n,
  };
}

/** Projected resource demand for a total rate split by a route mix (weights need not sum to 1). */
export function projectDemand(model: CostModel, totalRate: number, mix: Record<string, number>): number {
  const total = Object.values(mix).reduce((a, b) => a + b, 0) || 1;
  let perRequest = 0;
  for (const [route, w] of Object.entries(mix)) perRequest += (model.costs[route] ?? meanCost(model)) * (w / total);
  return model.base + perRequest * totalRate;
}

/**
 * Requests/s one replica sustains for a given mix, when one replica has
 * `resourcePerReplica` of the resource: what `decide` takes as capacity per
 * replica, so a shifted mix changes the replica count for the same rate.
 */
export function capacityForMix(model: CostModel, mix: Record<string, number>, resourcePerReplica: number): number {
  const perRequest = projectDemand({ ...model, base: 0 }, 1, mix);
  return perRequest > 0 ? resourcePerReplica / perRequest : Infinity;
}

/** Routes the model has never seen are charged the mean cost of those it has. */
function meanCost(model: CostModel): number {
  const v = Object.values(model.costs);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
}

/** A labelled series point list, as Prometheus `query_range` returns (structurally `PromSeries`). */
export interface LabelledSeries { labels: Record<string, string>; points: ReadonlyArray<{ ts: number; value: number }> }

/**
 * Cost samples from two range queries: per-route request rates (one series
 * per route, keyed `METHOD route` from the `method` and `route` labels, or
 * the route alone) and one resource series; timestamps present in the
 * resource series become samples, missing route points count as 0.
 */
export function costSamplesFromSeries(rates: readonly LabelledSeries[], resource: LabelledSeries): CostSample[] {
  const byTs = new Map<number, Record<string, number>>();
  for (const s of rates) {
    const key = s.labels.method ? `${s.labels.method} ${s.labels.route ?? ''}`.trim() : s.labels.route ?? JSON.stringify(s.labels);
    for (const p of s.points) {
      const row = byTs.get(p.ts) ?? {};
      row[key] = (row[key] ?? 0) + p.value;
      byTs.set(p.ts, row);
    }
  }
  const keys = [...new Set(rates.map((s) => (s.labels.method ? `${s.labels.method} ${s.labels.route ?? ''}`.trim() : s.labels.route ?? JSON.stringify(s.labels))))];
  return resource.points.filter((p) => Number.isFinite(p.value)).map((p) => {
    const row = byTs.get(p.ts) ?? {};
    return { rates: Object.fromEntries(keys.map((k) => [k, row[k] ?? 0])), resource: p.value };
  });
}
