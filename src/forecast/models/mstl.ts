import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { PointModel } from './baselines.js';

interface MstlModule {
  initSync(opts: { module: Buffer }): unknown;
  MSTL: { ets(periods: number[], options?: unknown): { fit(y: number[] | Float64Array): void; predict(h: number, level?: number | null): { point: number[] }; free(): void } };
}

let mod: MstlModule | undefined;

/** Loads Grafana augurs' MSTL (Rust → WASM, web target) synchronously in Node. */
async function load(): Promise<MstlModule> {
  if (mod) return mod;
  const m = (await import('@bsull/augurs/mstl')) as unknown as MstlModule;
  const require = createRequire(import.meta.url);
  const wasmPath = require.resolve('@bsull/augurs/mstl').replace(/mstl\.js$/, 'mstl_bg.wasm');
  m.initSync({ module: readFileSync(wasmPath) });
  mod = m;
  return m;
}

/** Must be awaited once before MSTL models are used (wasm initialisation). */
export async function initMstl(): Promise<void> {
  await load();
}

/** MSTL decomposition with AutoETS on the trend (augurs), for the given periods, fitted on at most the last `maxPoints`. */
export function mstl(periods: number[], label = `mstl(${periods.join(',')})`, maxPoints = Infinity): PointModel {
  return {
    name: label,
    forecast(all, h) {
      if (!mod) throw new Error('call initMstl() before using MSTL');
      // The fit costs time linear in the points (~0.1 s per 4,000 here): a cap keeps a forecast within budget.
      const y = all.length > maxPoints ? all.slice(-maxPoints) : all;
      const usable = periods.filter((p) => y.length >= 2 * p);
      if (usable.length === 0) return new Array<number>(h).fill(y[y.length - 1] ?? 0);
      const model = mod.MSTL.ets(usable);
      try {
        model.fit(Float64Array.from(y));
        return model.predict(h, null).point.map((v) => Math.max(0, v));
      } finally {
        model.free();
      }
    },
  };
}
