import { Pool } from 'undici';
import { createHistogram, recordMs, summarizeMs, type LatencySummaryMs } from '../../src/common/index.js';

export interface OpenLoopResult {
  sent: number;
  completed: number;
  errors: number;
  dropped: number;
  latency: LatencySummaryMs;
  lag: LatencySummaryMs;
  achievedRate: number;
}

/**
 * A minimal open-model client for the benchmarks: arrivals at a fixed rate
 * are scheduled in advance, every due arrival is sent on each wake, and
 * latency is measured from the intended send time (no coordinated omission).
 * Arrivals beyond `maxInFlight` are dropped and counted, never delayed.
 */
export async function openLoop(url: string, rate: number, seconds: number, maxInFlight = 512): Promise<OpenLoopResult> {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections: 128, pipelining: 1 });
  const latency = createHistogram();
  const lag = createHistogram();
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const path = u.pathname + u.search;
  let next = 0;
  let inFlight = 0;
  let completed = 0;
  let errors = 0;
  let dropped = 0;
  const t0 = performance.now() + 20;
  let lastDone = t0;

  await new Promise<void>((resolve) => {
    const finishIfDone = (): void => {
      if (next >= total && inFlight === 0) resolve();
    };
    const send = (intended: number): void => {
      inFlight++;
      pool.request({ path, method: 'GET' }).then(async (res) => {
        await res.body.dump();
        if (res.statusCode >= 400) errors++;
      }).catch(() => { errors++; }).finally(() => {
        const now = performance.now();
        recordMs(latency, now - intended);
        lastDone = now;
        completed++;
        inFlight--;
        finishIfDone();
      });
    };
    const tick = (): void => {
      const now = performance.now();
      while (next < total && t0 + next * interval <= now) {
        const intended = t0 + next * interval;
        next++;
        recordMs(lag, now - intended);
        if (inFlight >= maxInFlight) { dropped++; continue; }
        send(intended);
      }
      if (next < total) setTimeout(tick, Math.max(0, t0 + next * interval - performance.now() - 0.5));
      else finishIfDone();
    };
    setTimeout(tick, 20);
  });
  await pool.close();
  return {
    sent: total - dropped, completed, errors, dropped,
    latency: summarizeMs(latency), lag: summarizeMs(lag),
    achievedRate: completed / ((lastDone - t0) / 1000),
  };
}
