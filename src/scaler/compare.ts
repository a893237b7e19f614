import { createHistogram, decodeHistogram, summarizeMs, ShadowtwinError, seededRandom, type EncodedRouteStats, type Histogram } from '../common/index.js';
import { binsOf, mannWhitney, normalCdf, type Bins, type MannWhitney } from './mann-whitney.js';

/** One side of a comparison: per route + method stats with histograms, and how long they cover. */
export interface Side {
  label: string;
  durationMs: number;
  routes: EncodedRouteStats[];
}

export interface CompareOptions {
  /** Significance level (default 0.05). */
  alpha?: number;
  /** Shifts below this are never a failure (ms, default 1). */
  minShiftMs?: number;
  /** ... nor below this share of the baseline median (default 0.05). */
  minShiftRatio?: number;
  /** Largest acceptable error-rate increase, absolute (default 0.01 = 1 point). */
  maxErrorIncrease?: number;
  /** Request rates differing by more than this share are flagged (default 0.2). */
  rateTolerance?: number;
  /** Routes with fewer requests on either side are reported but not judged (default 20). */
  minRequests?: number;
  /** Seed of the A/A split. */
  seed?: number;
}

export type RouteVerdict = 'pass' | 'higher' | 'lower' | 'insufficient';

export interface RouteComparison {
  route: string;
  method: string;
  verdict: RouteVerdict;
  base: { requests: number; p50: number; p90: number; p99: number; p999: number; errorRate: number; rate: number };
  candidate: { requests: number; p50: number; p90: number; p99: number; p999: number; errorRate: number; rate: number };
  ratios: { p50: number; p90: number; p99: number; p999: number };
  mannWhitney: { p: number; shiftMs: number; ci: [number, number] };
  errorRate: { diff: number; p: number; worse: boolean };
  loadMismatch: boolean;
}

export interface Comparison {
  verdict: 'pass' | 'fail';
  score: number;
  noiseFloor: number;
  loadMismatch: { base: number; candidate: number; ratio: number } | null;
  total: RouteComparison;
  routes: RouteComparison[];
}

function pctls(h: Histogram): { p50: number; p90: number; p99: number; p999: number } {
  const s = summarizeMs(h);
  return { p50: s.p50, p90: s.p90, p99: s.p99, p999: s.p999 };
}

/** Two-proportion z-test p-value for "candidate error rate > base error rate". */
function errorTest(e1: number, n1: number, e2: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 1;
  const p = (e1 + e2) / (n1 + n2);
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  if (se === 0) return e2 / n2 > e1 / n1 ? 0 : 1;
  return 1 - normalCdf((e2 / n2 - e1 / n1) / se);
}

/**
 * A/A noise floor: the baseline histogram split in two by binomial thinning
 * of every bucket (two samples from the same distribution); the half-width
 * of the Hodges–Lehmann interval between them is the smallest shift this
 * much data can resolve.
 */
export function noiseFloorMs(h: Histogram, seed = 1): number {
  const bins = binsOf(h);
  if (bins.n < 4) return 0;
  const r = seededRandom(seed);
  const a: Bins = { values: bins.values, counts: new Float64Array(bins.values.length), n: 0 };
  const b: Bins = { values: bins.values, counts: new Float64Array(bins.values.length), n: 0 };
  bins.counts.forEach((c, i) => {
    let x = 0;
    if (c < 200) for (let k = 0; k < c; k++) x += r() < 0.5 ? 1 : 0;
    else x = Math.max(0, Math.min(c, Math.round(c / 2 + Math.sqrt(c / 4) * (r() + r() + r() + r() - 2) * Math.sqrt(3))));
    a.counts[i] = x;
    b.counts[i] = c - x;
    a.n += x;
    b.n += c - x;
  });
  const mw = mannWhitney(a, b);
  return Math.round(((Math.abs(mw.ci[1] - mw.ci[0]) / 2) + Math.abs(mw.shiftMs)) * 1000) / 1000;
}

function compareOne(route: string, method: string, base: { h: Histogram; n: number; errors: number }, cand: { h: Histogram; n: number; errors: number }, baseMs: number, candMs: number, o: Required<CompareOptions>, floor: number): RouteComparison {
  const bp = pctls(base.h);
  const cp = pctls(cand.h);
  const ratio = (a: number, b: number): number => (a > 0 ? Math.round((b / a) * 1000) / 1000 : b > 0 ? Infinity : 1);
  const baseRate = base.n / Math.max(0.001, baseMs / 1000);
  const candRate = cand.n / Math.max(0.001, candMs / 1000);
  const loadMismatch = Math.abs(candRate - baseRate) > o.rateTolerance * Math.max(baseRate, 1e-9);
  let mw: MannWhitney = { p: 1, u: 0, z: 0, shiftMs: 0, ci: [0, 0] };
  let verdict: RouteVerdict = 'insufficient';
  const errP = errorTest(base.errors, base.n, cand.errors, cand.n);
  const errDiff = (cand.n ? cand.errors / cand.n : 0) - (base.n ? base.errors / base.n : 0);
  const errWorse = errDiff > o.maxErrorIncrease && errP < o.alpha;
  if (base.n >= o.minRequests && cand.n >= o.minRequests) {
    mw = mannWhitney(binsOf(base.h), binsOf(cand.h));
    // Significant AND bigger than the effect floor (absolute, relative to the median, and the A/A noise floor).
    const minEffect = Math.max(o.minShiftMs, o.minShiftRatio * bp.p50, floor);
    verdict = mw.p < o.alpha && Math.abs(mw.shiftMs) > minEffect ? (mw.shiftMs > 0 ? 'higher' : 'lower') : 'pass';
    if (errWorse) verdict = 'higher';
  }
  const round = (x: number): number => Math.round(x * 10_000) / 10_000;
  return {
    route, method, verdict,
    base: { requests: base.n, ...bp, errorRate: round(base.n ? base.errors / base.n : 0), rate: Math.round(baseRate * 100) / 100 },
    candidate: { requests: cand.n, ...cp, errorRate: round(cand.n ? cand.errors / cand.n : 0), rate: Math.round(candRate * 100) / 100 },
    ratios: { p50: ratio(bp.p50, cp.p50), p90: ratio(bp.p90, cp.p90), p99: ratio(bp.p99, cp.p99), p999: ratio(bp.p999, cp.p999) },
    mannWhitney: { p: Number(mw.p.toPrecision(4)), shiftMs: mw.shiftMs, ci: mw.ci },
    errorRate: { diff: round(errDiff), p: Number(errP.toPrecision(4)), worse: errWorse },
    loadMismatch,
  };
}

/**
 * Compares a candidate with a baseline, per route and in total: percentile
 * ratios, Mann–Whitney U with the Hodges–Lehmann shift and CI, error-rate
 * difference (two-proportion test), and a verdict that only fails on shifts
 * both significant and larger than the effect floor. Pure: histograms in,
 * a judgement out.
 */
export function compareSides(base: Side, cand: Side, opts: CompareOptions = {}): Comparison {
  const o: Required<CompareOptions> = { alpha: 0.05, minShiftMs: 1, minShiftRatio: 0.05, maxErrorIncrease: 0.01, rateTolerance: 0.2, minRequests: 20, seed: 1, ...opts };
  if (base.routes.length === 0 || cand.routes.length === 0) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `nothing to compare: ${base.routes.length === 0 ? base.label : cand.label} has no requests`);
  const key = (r: EncodedRouteStats): string => `${r.method} ${r.route}`;
  const b = new Map(base.routes.map((r) => [key(r), r]));
  const c = new Map(cand.routes.map((r) => [key(r), r]));
  const totalOf = (rows: EncodedRouteStats[]): { h: Histogram; n: number; errors: number } => {
    const h = createHistogram();
    let n = 0;
    let errors = 0;
    for (const r of rows) { h.add(decodeHistogram(r.histogram)); n += r.requests; errors += r.errors; }
    return { h, n, errors };
  };
  const baseTotal = totalOf(base.routes);
  const floor = noiseFloorMs(baseTotal.h, o.seed);
  const routes: RouteComparison[] = [];
  for (const k of new Set([...b.keys(), ...c.keys()])) {
    const br = b.get(k);
    const cr = c.get(k);
    const side = (r: EncodedRouteStats | undefined): { h: Histogram; n: number; errors: number } => (r ? { h: decodeHistogram(r.histogram), n: r.requests, errors: r.errors } : { h: createHistogram(), n: 0, errors: 0 });
    const [method, ...rest] = k.split(' ');
    routes.push(compareOne(rest.join(' '), method!, side(br), side(cr), base.durationMs, cand.durationMs, o, 0));
  }
  routes.sort((x, y) => y.base.requests + y.candidate.requests - (x.base.requests + x.candidate.requests));
  const total = compareOne('*', '*', baseTotal, totalOf(cand.routes), base.durationMs, cand.durationMs, o, floor);
  const judged = routes.filter((r) => r.verdict !== 'insufficient');
  const passing = judged.filter((r) => r.verdict !== 'higher').length;
  const score = judged.length ? Math.round((100 * passing) / judged.length) : 100;
  const fail = total.verdict === 'higher' || routes.some((r) => r.verdict === 'higher');
  return {
    verdict: fail ? 'fail' : 'pass',
    score,
    noiseFloor: floor,
    loadMismatch: total.loadMismatch ? { base: total.base.rate, candidate: total.candidate.rate, ratio: Math.round((total.candidate.rate / Math.max(1e-9, total.base.rate)) * 1000) / 1000 } : null,
    total,
    routes,
  };
}
