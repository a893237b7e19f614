import type { PointModel } from './baselines.js';

/**
 * A model fitted on a coarser grid: the history averaged over blocks of `k`
 * steps (aligned to its end), forecast on blocks, and brought back to the
 * step by linear interpolation between block centres (from the last
 * history block's mean). MSTL's fit costs time linear in the points and
 * some histories made it slow (0.3–0.5 s per fit on 4,000 generated
 * 5-minute points instead of 0.1 s): at 15 minutes the daily and weekly
 * shapes are all there, and a third of the points. The `build` callback
 * gets the periods in blocks.
 */
export function coarsened(name: string, k: number, build: (k: number) => PointModel): PointModel {
  const inner = build(k);
  return {
    name,
    forecast(y, h) {
      if (k <= 1) return inner.forecast(y, h);
      const m = Math.floor(y.length / k);
      if (m < 2) return inner.forecast(y, h);
      const start = y.length - m * k;
      const agg = new Array<number>(m);
      for (let b = 0; b < m; b++) {
        let s = 0;
        for (let j = 0; j < k; j++) s += y[start + b * k + j]!;
        agg[b] = s / k;
      }
      const blocks = Math.ceil(h / k) + 1;
      const fc = inner.forecast(agg, blocks);
      // Anchors: (centre, value) of the last history block and of each forecast block, in steps from the
      // first forecast step.
      const centre = (i: number): number => i * k + (k - 1) / 2;
      const out = new Array<number>(h);
      for (let j = 0; j < h; j++) {
        const pos = (j - (k - 1) / 2) / k; // block coordinate: 0 at the first forecast block's centre
        const i = Math.floor(pos);
        const left = i < 0 ? agg[m - 1]! : fc[i]!;
        const right = fc[Math.min(blocks - 1, i + 1)]!;
        const x0 = i < 0 ? -(k + 1) / 2 : centre(i);
        const x1 = centre(i + 1);
        out[j] = Math.max(0, left + ((right - left) * (j - x0)) / (x1 - x0));
      }
      return out;
    },
  };
}

/** The largest block size `k` dividing `period` with at least `perPeriod` blocks per period (1: none). */
export function coarseFactor(period: number, perPeriod = 96): number {
  for (let k = Math.floor(period / perPeriod); k > 1; k--) if (period % k === 0) return k;
  return 1;
}
