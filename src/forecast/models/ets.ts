import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { PointModel } from './baselines.js';

interface EtsModule {
  initSync(opts: { module: Buffer }): unknown;
  AutoETS: new (seasonLength: number, spec: string) => { fit(y: Float64Array): void; predict(h: number, level?: number | null): { point: number[] }; free(): void };
}

let mod: EtsModule | undefined;

/** Loads augurs' AutoETS (Rust → WASM, web target) synchronously in Node. */
export async function initEts(): Promise<void> {
  if (mod) return;
  const m = (await import('@bsull/augurs/ets')) as unknown as EtsModule;
  const require = createRequire(import.meta.url);
  m.initSync({ module: readFileSync(require.resolve('@bsull/augurs/ets').replace(/ets\.js$/, 'ets_bg.wasm')) });
  mod = m;
}

/**
 * Non-seasonal ETS with automatic selection of error, trend (none, additive,
 * damped) by AICc (augurs AutoETS, spec `ZZN`). For short histories; a
 * seasonal series is better served by the MSTL models.
 */
export const ets: PointModel = {
  name: 'ets',
  forecast(y, h) {
    if (!mod) throw new Error('call initEts() before using ETS');
    if (y.length < 4) return new Array<number>(h).fill(y[y.length - 1] ?? 0);
    const m = new mod.AutoETS(1, 'ZZN');
    try {
      m.fit(Float64Array.from(y));
      return m.predict(h, null).point.map((v) => Math.max(0, v));
    } finally {
      m.free();
    }
  },
};
