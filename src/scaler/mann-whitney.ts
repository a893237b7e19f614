import type { Histogram } from '../common/index.js';

/** Distinct recorded values (µs) and their counts, ascending. */
export interface Bins { values: Float64Array; counts: Float64Array; n: number }

interface RecordedIterator { reset(): void; hasNext(): boolean; next(): { valueIteratedTo: number; countAtValueIteratedTo: number } }

/** Reads an HDR histogram's recorded buckets (exact counts), coarsened to at most `maxBins`. */
export function binsOf(h: Histogram, maxBins = 400): Bins {
  const it = (h as unknown as { recordedValuesIterator: RecordedIterator }).recordedValuesIterator;
  const raw: Array<[number, number]> = [];
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    if (v.countAtValueIteratedTo > 0) raw.push([v.valueIteratedTo, v.countAtValueIteratedTo]);
  }
  let bins = raw;
  if (bins.length > maxBins) {
    // Keep the pairwise Hodges–Lehmann computation bounded (bins², not samples²).
    const per = Math.ceil(bins.length / maxBins);
    const merged: Array<[number, number]> = [];
    for (let i = 0; i < bins.length; i += per) {
      const chunk = bins.slice(i, i + per);
      const c = chunk.reduce((a, [, x]) => a + x, 0);
      merged.push([chunk.reduce((a, [v, x]) => a + v * x, 0) / c, c]);
    }
    bins = merged;
  }
  return { values: Float64Array.from(bins.map(([v]) => v)), counts: Float64Array.from(bins.map(([, c]) => c)), n: h.totalCount };
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 on erf). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(z) / Math.SQRT2);
  const y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(z * z) / 2);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

export interface MannWhitney {
  /** Two-sided p-value (normal approximation with tie correction). */
  p: number;
  /** U of the candidate relative to the baseline; > n1·n2/2 means the candidate tends to be larger. */
  u: number;
  z: number;
  /** Hodges–Lehmann estimate of the shift candidate − base, ms. */
  shiftMs: number;
  /** Confidence interval of the shift (Moses), ms. */
  ci: [number, number];
}

/**
 * Mann–Whitney U between two binned samples, with the Hodges–Lehmann shift
 * and its confidence interval computed from the weighted pairwise
 * differences of bins (Kayenta's judge uses the same pair of statistics).
 */
export function mannWhitney(base: Bins, cand: Bins, confidence = 0.95): MannWhitney {
  const n1 = base.n;
  const n2 = cand.n;
  if (n1 === 0 || n2 === 0) return { p: 1, u: 0, z: 0, shiftMs: 0, ci: [0, 0] };
  // U via a merge of the two sorted bin lists; ties count half.
  let i = 0;
  let j = 0;
  let baseBelow = 0;
  let u = 0;
  let tieTerm = 0;
  while (i < base.values.length || j < cand.values.length) {
    const vb = i < base.values.length ? base.values[i]! : Infinity;
    const vc = j < cand.values.length ? cand.values[j]! : Infinity;
    const v = Math.min(vb, vc);
    const a = vb === v ? base.counts[i++]! : 0;
    const b = vc === v ? cand.counts[j++]! : 0;
    u += b * (baseBelow + a / 2);
    baseBelow += a;
    const t = a + b;
    tieTerm += t * t * t - t;
  }
  const n = n1 + n2;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * ((n + 1) - tieTerm / (n * (n - 1))));
  const z = sigma > 0 ? (u - mu) / sigma : 0;
  const p = sigma > 0 ? Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))) : 1;

  // Hodges–Lehmann: weighted median of pairwise differences; Moses CI from the same ranks.
  const pairs: Array<[number, number]> = [];
  for (let a = 0; a < base.values.length; a++) {
    for (let b = 0; b < cand.values.length; b++) pairs.push([cand.values[b]! - base.values[a]!, base.counts[a]! * cand.counts[b]!]);
  }
  pairs.sort((x, y) => x[0] - y[0]);
  const total = n1 * n2;
  const zc = inverseNormal(1 - (1 - confidence) / 2);
  const cAlpha = Math.max(0, Math.floor(mu - zc * Math.sqrt((n1 * n2 * (n + 1)) / 12)));
  const at = (rank: number): number => {
    let acc = 0;
    for (const [d, w] of pairs) {
      acc += w;
      if (acc >= rank) return d;
    }
    return pairs[pairs.length - 1]![0];
  };
  const toMs = (us: number): number => Math.round(us) / 1000;
  return { p, u, z, shiftMs: toMs(at(total / 2)), ci: [toMs(at(Math.max(1, cAlpha))), toMs(at(total - cAlpha))] };
}

/** Inverse standard normal CDF (Acklam's rational approximation). */
export function inverseNormal(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  if (q < 0.02425) {
    const r = Math.sqrt(-2 * Math.log(q));
    return (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) / ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1);
  }
  if (q > 1 - 0.02425) return -inverseNormal(1 - q);
  const r = q - 0.5;
  const s = r * r;
  return (((((a[0]! * s + a[1]!) * s + a[2]!) * s + a[3]!) * s + a[4]!) * s + a[5]!) * r / (((((b[0]! * s + b[1]!) * s + b[2]!) * s + b[3]!) * s + b[4]!) * s + 1);
}
