import type { PointModel } from './baselines.js';

/**
 * A seasonal model re-levelled on the recent past: the model is also run
 * from `window` steps ago, and the ratio of what happened in those steps to
 * what it forecast for them (clamped to 0.5–2) scales the whole forecast.
 * A weekly model copies the week before a level shift (traffic moved to a
 * new region, a client doubled its polling); this one follows the new level
 * as soon as a `window` of it is in the history, where the decaying level
 * adjustment lets the forecast drift back to the old week. The ratio is
 * taken only when the model can forecast the window from at least `minFit`
 * points; otherwise the model's own forecast is returned. Pure.
 */
export function releveled(model: PointModel, window: number, minFit: number, label: string): PointModel {
  return {
    name: label,
    forecast(y, h) {
      const fc = model.forecast(y, h);
      if (y.length - window < minFit) return fc;
      const past = model.forecast(y.slice(0, y.length - window), window);
      let sumP = 0;
      let sumR = 0;
      for (let i = 0; i < window; i++) { sumP += past[i]!; sumR += y[y.length - window + i]!; }
      const ratio = sumP > 0 ? Math.min(2, Math.max(0.5, sumR / sumP)) : 1;
      return fc.map((v) => v * ratio);
    },
  };
}
