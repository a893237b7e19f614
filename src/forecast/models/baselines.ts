/** A point forecaster: fit on history, predict `h` steps. Pure. */
export interface PointModel {
  readonly name: string;
  forecast(history: readonly number[], h: number): number[];
}

export const naive: PointModel = {
  name: 'naive',
  forecast: (y, h) => new Array<number>(h).fill(y[y.length - 1] ?? 0),
};

/** Seasonal naive: the value one period ago. The baseline everything must beat. */
export function seasonalNaive(period: number, label = `snaive(${period})`): PointModel {
  return {
    name: label,
    forecast(y, h) {
      const out: number[] = [];
      for (let i = 0; i < h; i++) {
        const back = y.length - period + (i % period);
        out.push(y[back] ?? y[y.length - 1] ?? 0);
      }
      return out;
    },
  };
}

function median(xs: number[]): number {
  const s = xs.sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Robust seasonal profile: the median of the same phase over the last `k`
 * periods, shifted by the median difference between the last period and its
 * profile (level adjustment). Medians shrug off past bursts, which a plain
 * seasonal naive copies straight into the forecast.
 */
export function seasonalMedian(period: number, k: number, label = `smedian(${period}x${k})`): PointModel {
  return {
    name: label,
    forecast(y, h) {
      const kk = Math.max(1, Math.min(k, Math.floor(y.length / period)));
      const phase = (j: number): number => {
        const vals: number[] = [];
        for (let p = 1; p <= kk; p++) {
          const idx = y.length - p * period + (j % period);
          if (idx >= 0) vals.push(y[idx]!);
        }
        return vals.length ? median(vals) : y[y.length - 1] ?? 0;
      };
      const out: number[] = [];
      for (let i = 0; i < h; i++) out.push(Math.max(0, phase(i)));
      return out;
    },
  };
}

/**
 * A seasonal median profile corrected towards the recent level: the ratio of
 * the last quarter-period of actuals to the profile at the same phases
 * (clamped to 0.5–2) multiplies the profile, decaying back to 1 over the
 * horizon (half-life of a quarter period). Captures "today is busier than
 * usual" without chasing a burst for a whole day.
 */
export function levelAdjustedMedian(period: number, k: number, label = `smedian-adj(${period}x${k})`): PointModel {
  const base = seasonalMedian(period, k);
  return {
    name: label,
    forecast(y, h) {
      const window = Math.max(1, Math.floor(period / 4));
      if (y.length < (k + 1) * period) return base.forecast(y, h);
      // The profile as it would have been forecast one window ago, for the last window.
      const past = base.forecast(y.slice(0, y.length - window), window);
      const recent = y.slice(-window);
      const sumP = past.reduce((a, b) => a + b, 0);
      const sumR = recent.reduce((a, b) => a + b, 0);
      const ratio = sumP > 0 ? Math.min(2, Math.max(0.5, sumR / sumP)) : 1;
      const decay = Math.pow(0.5, 1 / window);
      return base.forecast(y, h).map((v, j) => v * (1 + (ratio - 1) * Math.pow(decay, j + 1)));
    },
  };
}

/**
 * Seasonal naive through a moving average: the mean of the values within
 * `halfWidth` steps of the same phase one period ago. Copies the shape of
 * the last cycle (the week, for weekday/weekend traffic) without copying its
 * step-to-step noise, as MSTL's seasonal smoothing does, but needs only one
 * cycle of history.
 */
export function smoothedSeasonalNaive(period: number, halfWidth: number, label = `snaive-smooth(${period}±${halfWidth})`): PointModel {
  return {
    name: label,
    forecast(y, h) {
      const n = y.length;
      const out: number[] = [];
      for (let i = 0; i < h; i++) {
        const back = n - period + (i % period);
        if (back < 0) { out.push(y[n - 1] ?? 0); continue; }
        let s = 0;
        let c = 0;
        for (let j = Math.max(0, back - halfWidth); j <= Math.min(n - 1, back + halfWidth); j++) { s += y[j]!; c++; }
        out.push(s / c);
      }
      return out;
    },
  };
}
