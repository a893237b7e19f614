import { createRequire } from 'node:module';
import type { PointModel } from './baselines.js';

interface LstmNet {
  train(data: number[][], opts: { iterations: number; timeout: number; log: boolean; errorThresh: number }): unknown;
  forecast(input: number[], count: number): number[];
}

export interface LstmOptions {
  /** Input window in steps (default 25). */
  window?: number;
  hidden?: number;
  /** Training windows sampled from the end of the history (default 600). */
  samples?: number;
  iterations?: number;
  /** Wall-clock training budget per fit, ms (default 4000). */
  budgetMs?: number;
}

/**
 * An LSTM (brain.js `recurrent.LSTMTimeStep`) on windows of the series
 * scaled to [0, 1], trained within a time budget and forecasting
 * recursively. It must earn its place in the backtest like any model; on
 * long horizons it usually does not, and the report says so.
 */
export function lstm(opts: LstmOptions = {}, label = 'lstm'): PointModel {
  const window = opts.window ?? 25;
  return {
    name: label,
    forecast(y, h) {
      const brain = createRequire(import.meta.url)('brain.js') as { recurrent: { LSTMTimeStep: new (o: object) => LstmNet } };
      const hi = Math.max(1, ...y.slice(-14 * 288)) * 1.2;
      const scaled = y.map((v) => v / hi);
      const samples = Math.min(opts.samples ?? 600, Math.max(1, scaled.length - window - 1));
      const stride = Math.max(1, Math.floor((scaled.length - window - 1) / samples));
      const data: number[][] = [];
      for (let end = scaled.length; end - window - 1 >= 0 && data.length < samples; end -= stride) data.push(scaled.slice(end - window - 1, end));
      const net = new brain.recurrent.LSTMTimeStep({ inputSize: 1, hiddenLayers: [opts.hidden ?? 16], outputSize: 1 });
      net.train(data, { iterations: opts.iterations ?? 20, timeout: opts.budgetMs ?? 4000, log: false, errorThresh: 0.001 });
      return net.forecast(scaled.slice(-window), h).map((v) => Math.max(0, v * hi));
    },
  };
}
