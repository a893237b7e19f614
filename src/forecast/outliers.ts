/**
 * Anomaly-aware training: finds points that an incident made unlike the
 * same time on neighbouring days, and replaces them with what those days
 * say, so a past spike or outage does not become part of the forecast.
 *
 * Counts are compared on the square-root scale (it steadies Poisson noise,
 * so quiet nights and busy afternoons are judged alike); the expectation for
 * a point is the median of the same slot up to three periods before and
 * after it; a point is an outlier when its residual exceeds `k` robust
 * standard deviations (1.4826 × MAD) of all residuals. augurs' outlier
 * detectors judge whole series against a group of series; used with days as
 * the group they flagged dozens of ordinary Poisson wiggles per day on the
 * shared data, so this one is ours.
 */
export interface CleanResult {
  values: number[];
  /** Indices replaced. */
  replaced: number[];
}

function median(xs: number[]): number {
  const s = xs.sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function cleanOutliers(y: readonly number[], period: number, k = 5): CleanResult {
  const n = y.length;
  if (period < 2 || n < 3 * period) return { values: [...y], replaced: [] };
  const s = y.map((v) => Math.sqrt(Math.max(0, v)));
  const expected = new Array<number>(n);
  const resid = new Array<number>(n);
  const around: number[] = [];
  for (let i = 0; i < n; i++) {
    around.length = 0;
    for (let j = 1; j <= 3; j++) {
      if (i - j * period >= 0) around.push(s[i - j * period]!);
      if (i + j * period < n) around.push(s[i + j * period]!);
    }
    expected[i] = median(around);
    resid[i] = s[i]! - expected[i]!;
  }
  const mid = median([...resid]);
  const scale = 1.4826 * median(resid.map((r) => Math.abs(r - mid)));
  if (!(scale > 0)) return { values: [...y], replaced: [] };
  const values = [...y];
  const replaced: number[] = [];
  for (let i = 0; i < n; i++) {
    if (Math.abs(resid[i]! - mid) > k * scale) {
      values[i] = expected[i]! ** 2;
      replaced.push(i);
    }
  }
  return { values, replaced };
}
