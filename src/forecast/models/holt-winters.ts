import type { PointModel } from './baselines.js';

/**
 * Additive Holt-Winters (level, trend, seasonal) with the smoothing
 * parameters chosen from a small grid by in-sample one-step error. Pure,
 * O(n × grid); no damping beyond the grid's small β.
 */
export function holtWinters(period: number, label = `holt-winters(${period})`): PointModel {
  const grid = { alpha: [0.05, 0.15, 0.3, 0.5], beta: [0, 0.01], gamma: [0.05, 0.15, 0.3] };
  return {
    name: label,
    forecast(y, h) {
      if (y.length < 2 * period) return new Array<number>(h).fill(y[y.length - 1] ?? 0);
      let best: { sse: number; l: number; b: number; s: number[] } | undefined;
      for (const alpha of grid.alpha) for (const beta of grid.beta) for (const gamma of grid.gamma) {
        const r = run(y, period, alpha, beta, gamma);
        if (!best || r.sse < best.sse) best = r;
      }
      const out: number[] = [];
      for (let i = 1; i <= h; i++) out.push(Math.max(0, best!.l + i * best!.b + best!.s[(y.length + i - 1) % period]!));
      return out;
    },
  };
}

function run(y: readonly number[], m: number, alpha: number, beta: number, gamma: number): { sse: number; l: number; b: number; s: number[] } {
  let mean1 = 0;
  let mean2 = 0;
  for (let i = 0; i < m; i++) { mean1 += y[i]!; mean2 += y[m + i]!; }
  mean1 /= m;
  mean2 /= m;
  let l = mean1;
  let b = (mean2 - mean1) / m;
  const s = new Array<number>(m);
  for (let i = 0; i < m; i++) s[i] = y[i]! - mean1;
  let sse = 0;
  for (let t = m; t < y.length; t++) {
    const si = t % m;
    const pred = l + b + s[si]!;
    const e = y[t]! - pred;
    sse += e * e;
    const lPrev = l;
    l = alpha * (y[t]! - s[si]!) + (1 - alpha) * (l + b);
    b = beta * (l - lPrev) + (1 - beta) * b;
    s[si] = gamma * (y[t]! - l) + (1 - gamma) * s[si]!;
  }
  return { sse, l, b, s };
}
