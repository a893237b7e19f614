import { withLoopbackSink } from '../common/index.js';

/** Warm-up length: arrivals at WARM_UP_RATE for WARM_UP_MS (2,000 requests). */
const WARM_UP_RATE = 4000;
const WARM_UP_MS = 500;

/** What the warm-up needs of a load run: run one like yourself against `target` (a throwaway loopback server). */
export type WarmUpRun = (target: string, arrivals: { next(): number | undefined }, durationMs: number) => Promise<unknown>;

/**
 * Warms the generator before the clock starts: a short open-model run of
 * our own send path (pacer, undici, recorder) against a throwaway server in
 * this process on loopback, never against the target. A cold process runs
 * undici's parser (WASM compile) and our per-request code in the
 * interpreter: at 5,000 req/s the first 300 ms of a run fell behind its
 * schedule (every arrival late, up to 40 ms) and that was 3% of a 10-second
 * run's samples, i.e. its p99. Warming undici alone (the earlier version)
 * left our own path cold.
 */
export async function warmUp(run: WarmUpRun): Promise<void> {
  const gap = 1000 / WARM_UP_RATE;
  let t = gap / 2;
  const arrivals = { next: (): number | undefined => (t < WARM_UP_MS ? (t += gap) - gap : undefined) };
  await withLoopbackSink((target) => run(target, arrivals, WARM_UP_MS));
}
