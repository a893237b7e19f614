import type { PointModel } from './baselines.js';

/**
 * A model that needs `minLength` points (MSTL and Holt-Winters on a weekly
 * cycle need two full weeks) fitted on a shorter history: the missing start
 * is filled with the values one `period` later (a weekly seasonal-naive
 * backcast). With two weeks of history the backtest's folds have less than
 * two weeks to train on; this lets the weekly models compete there, while
 * the final fit on the full history uses real data only. Needs at least one
 * full period; shorter histories go to the model unchanged.
 */
export function backfilled(model: PointModel, period: number, minLength: number): PointModel {
  return {
    name: model.name,
    forecast(y, h) {
      const need = minLength - y.length;
      if (need <= 0 || y.length < period) return model.forecast(y, h);
      const out = new Array<number>(minLength);
      for (let i = 0; i < y.length; i++) out[need + i] = y[i]!;
      for (let i = need - 1; i >= 0; i--) out[i] = out[i + period]!;
      return model.forecast(out, h);
    },
  };
}
