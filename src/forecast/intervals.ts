/**
 * Conformal intervals from backtest errors. Errors are taken relative to the
 * square root of the forecast's level (plus a quarter of the series mean, so
 * quiet hours keep a sensible width): request counts vary like counts, and
 * errors ∝ level made busy hours' intervals too wide and quiet ones too
 * narrow (80% coverage 0.744–0.857 per series on 30-minute data, 0.756–0.842
 * with the root). Per block of the backtest horizon (at most 4: 12 blocks of
 * 7 folds' errors each were noisy); beyond the backtest
 * horizon (short histories) the last block's width grows with the square
 * root of the lead time. The chosen model won the backtest, so its errors
 * there are optimistic, and a burst in one fold makes them pessimistic: each
 * level is calibrated leave-one-fold-out (the smallest quantile level whose
 * intervals, built from the other folds, cover each held-out fold at the
 * nominal rate). Pure.
 */
export interface Calibration {
  /** Half-width of the interval at `level` for lead `j` (0-based) around forecast `p`. */
  halfWidth(level: number, j: number, p: number): number;
  /** In-backtest coverage of the calibrated intervals per level (a sanity check, not out of sample). */
  coverage: Record<string, number>;
}

/** Split-conformal quantile with the finite-sample correction. */
function conformalQuantile(absErrors: number[], level: number): number {
  const s = [...absErrors].sort((a, b) => a - b);
  const k = Math.min(s.length - 1, Math.ceil((s.length + 1) * level) - 1);
  return s[Math.max(0, k)] ?? 0;
}

export function calibrate(fcs: readonly number[][], actuals: readonly number[][], levels: readonly number[], typical: number): Calibration {
  const hb = actuals[0]?.length ?? 1;
  const blocks = Math.min(4, Math.max(1, Math.floor(hb / 12)));
  const blockOf = (j: number): number => Math.min(blocks - 1, Math.floor((j * blocks) / hb));
  const floor = 0.25 * Math.max(typical, 0);
  const scaleOf = (v: number): number => Math.sqrt(Math.max(v, 0) + floor) || 1e-9;
  const perFold: number[][][] = fcs.map((fc, i) => {
    const rows: number[][] = Array.from({ length: blocks }, () => []);
    fc.forEach((v, j) => rows[blockOf(j)]!.push(Math.abs(actuals[i]![j]! - v) / scaleOf(v)));
    return rows;
  });
  const pooled: number[][] = Array.from({ length: blocks }, (_, b) => perFold.flatMap((rows) => rows[b]!));
  const looCoverage = (lv: number): number => {
    if (perFold.length < 2) return lv;
    let inside = 0;
    let n = 0;
    perFold.forEach((rows, f) => {
      const others = perFold.filter((_, g) => g !== f);
      rows.forEach((errs, b) => {
        const qb = conformalQuantile(others.flatMap((o) => o[b]!), lv);
        for (const e of errs) { n++; if (e <= qb) inside++; }
      });
    });
    return n ? inside / n : lv;
  };
  const q = new Map<number, number[]>();
  for (const lv of levels) {
    // The smallest quantile level whose leave-one-fold-out coverage reaches the nominal level: raised
    // when the backtest's errors are optimistic, lowered when they are pessimistic (a burst in one fold).
    let adjusted = Math.max(0.5, lv - 0.15);
    while (adjusted < 0.995 && looCoverage(adjusted) < lv) adjusted = Math.min(0.995, adjusted + 0.005);
    q.set(lv, pooled.map((errs) => conformalQuantile(errs, adjusted)));
  }
  const halfWidth = (lv: number, j: number, p: number): number => {
    const qs = q.get(lv)!;
    const grow = j < hb ? 1 : Math.sqrt((j + 1) / hb);
    return qs[blockOf(Math.min(j, hb - 1))]! * grow * scaleOf(p);
  };
  const coverage: Record<string, number> = {};
  for (const lv of levels) {
    let inside = 0;
    let n = 0;
    fcs.forEach((fc, i) => fc.forEach((v, j) => { n++; if (Math.abs(actuals[i]![j]! - v) <= halfWidth(lv, j, v)) inside++; }));
    coverage[String(lv)] = Math.round((inside / Math.max(1, n)) * 1000) / 1000;
  }
  return { halfWidth, coverage };
}
