/**
 * Drift: reality leaving what the forecast and the model promised. Two
 * checks, each returning its evidence so an event can say why:
 * - the observed rate falls outside the forecast's interval more often than
 *   its level allows (a one-sided binomial test over a recent window);
 * - the route mix diverges from the model's (Jensen–Shannon distance).
 */

export interface IntervalObservation { at: number; observed: number; lower: number; upper: number }

export interface IntervalDrift {
  drift: boolean;
  /** Observations checked and how many fell outside their interval. */
  n: number;
  outside: number;
  /** Share outside the level allows (1 − level) and the share seen. */
  expectedShare: number;
  share: number;
  /** P(at least `outside` misses | the interval holds its level). */
  pValue: number;
  /** The misses above and below (a level shift shows on one side). */
  above: number;
  below: number;
}

/** log C(n, k) by log-gamma (Lanczos); exact enough for tail probabilities. */
function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

const LANCZOS = [676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = 0.99999999999980993;
  const t = x + 7.5;
  for (let i = 0; i < LANCZOS.length; i++) a += LANCZOS[i]! / (x + i + 1);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(X ≥ k) for X ~ Binomial(n, p). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  let sum = 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  for (let i = k; i <= n; i++) sum += Math.exp(logChoose(n, i) + i * lp + (n - i) * lq);
  return Math.min(1, sum);
}

/**
 * Whether the observations miss their intervals more often than `level`
 * allows: drift when the one-sided binomial p-value is below `alpha`
 * (default 0.01) and at least `minObservations` (default 12) were seen.
 * Non-finite observations are ignored.
 */
export function intervalDrift(obs: readonly IntervalObservation[], level: number, o: { alpha?: number; minObservations?: number } = {}): IntervalDrift {
  const alpha = o.alpha ?? 0.01;
  const minN = o.minObservations ?? 12;
  let n = 0;
  let above = 0;
  let below = 0;
  for (const x of obs) {
    if (!Number.isFinite(x.observed) || !Number.isFinite(x.lower) || !Number.isFinite(x.upper)) continue;
    n++;
    if (x.observed > x.upper) above++;
    else if (x.observed < x.lower) below++;
  }
  const outside = above + below;
  const expectedShare = Math.min(1, Math.max(0, 1 - level));
  const pValue = binomialUpperTail(outside, n, expectedShare);
  return { drift: n >= minN && pValue < alpha, n, outside, expectedShare, share: n === 0 ? 0 : outside / n, pValue, above, below };
}

export interface RouteMixDrift {
  drift: boolean;
  /** Jensen–Shannon distance (square root of the divergence, base 2): 0 same mix, 1 disjoint. */
  distance: number;
  threshold: number;
  /** Requests observed; below `minRequests` nothing is judged. */
  requests: number;
  /** The routes whose share moved most, largest first (at most 5). */
  moved: Array<{ route: string; expected: number; observed: number }>;
}

/** Jensen–Shannon distance between two weight maps (normalised here; missing keys are 0). */
export function jensenShannonDistance(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): number {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const sa = sumOf(a);
  const sb = sumOf(b);
  if (sa <= 0 || sb <= 0) return sa <= 0 && sb <= 0 ? 0 : 1;
  let div = 0;
  for (const k of keys) {
    const p = Math.max(0, a[k] ?? 0) / sa;
    const q = Math.max(0, b[k] ?? 0) / sb;
    const m = (p + q) / 2;
    if (p > 0) div += 0.5 * p * Math.log2(p / m);
    if (q > 0) div += 0.5 * q * Math.log2(q / m);
  }
  return Math.sqrt(Math.max(0, Math.min(1, div)));
}

function sumOf(w: Readonly<Record<string, number>>): number {
  let s = 0;
  for (const v of Object.values(w)) if (Number.isFinite(v) && v > 0) s += v;
  return s;
}

/**
 * Whether the observed route mix (request counts per route) has left the
 * model's (weights per route): drift when the Jensen–Shannon distance is
 * above `threshold` (default 0.2) with at least `minRequests` (default 200)
 * observed, so a handful of requests cannot raise it.
 */
export function routeMixDrift(expected: Readonly<Record<string, number>>, observed: Readonly<Record<string, number>>, o: { threshold?: number; minRequests?: number } = {}): RouteMixDrift {
  const threshold = o.threshold ?? 0.2;
  const minRequests = o.minRequests ?? 200;
  const requests = sumOf(observed);
  const distance = jensenShannonDistance(expected, observed);
  const se = sumOf(expected) || 1;
  const so = requests || 1;
  const moved = [...new Set([...Object.keys(expected), ...Object.keys(observed)])]
    .map((route) => ({ route, expected: Math.max(0, expected[route] ?? 0) / se, observed: Math.max(0, observed[route] ?? 0) / so }))
    .sort((x, y) => Math.abs(y.observed - y.expected) - Math.abs(x.observed - x.expected))
    .slice(0, 5);
  return { drift: requests >= minRequests && distance > threshold, distance, threshold, requests, moved };
}
