import { Http1Pool, renderRequest, withLoopbackSink } from '../common/index.js';

/** Requests driven through the throwaway sidecar, at most this long. */
const WARM_UP_REQUESTS = 2000;
const WARM_UP_MAX_MS = 1500;
const WARM_UP_CONCURRENCY = 16;

/** What the warm-up needs: a sidecar like the real one, in front of `primary` (and mirroring to `secondary`). */
export interface WarmUpTarget {
  start(): Promise<{ proxy: string }>;
  stop(): Promise<void>;
}

/**
 * Warms the sidecar's request path before its data port opens: a throwaway
 * sidecar (the same settings, but capture without a file, no faults, and
 * mirroring, when the real one mirrors, to the same throwaway upstream) in
 * front of a throwaway upstream, both on loopback in this process, takes
 * ~2,000 GET and POST requests. Nothing reaches the real
 * primary or secondary. Why: a cold process runs our code in the
 * interpreter and compiles undici's parser on the first connection; at
 * 3,000 req/s the first second through a cold sidecar had a p99 of ~450 ms
 * (max ~550 ms), warmed ~10–30 ms (1,000 requests were not enough: ~100 ms).
 * It costs ~0.6 s of start-up.
 */
export async function warmUpSidecar(make: (primary: string, secondary: string) => WarmUpTarget): Promise<void> {
  await withLoopbackSink(async (upstream) => {
    const sidecar = make(upstream, upstream);
    try {
      const url = new URL((await sidecar.start()).proxy);
      const pool = new Http1Pool(url.hostname, Number(url.port), WARM_UP_CONCURRENCY, 5000);
      const host = url.host;
      const requests = [
        renderRequest('GET', '/warm-up/1', host, { 'user-agent': 'shadowtwin-warm-up' }, null),
        renderRequest('POST', '/warm-up', host, { 'user-agent': 'shadowtwin-warm-up', 'content-type': 'application/json' }, Buffer.from('{"warm":true}')),
      ];
      const until = performance.now() + WARM_UP_MAX_MS;
      let sent = 0;
      await new Promise<void>((resolve) => {
        let active = 0;
        const next = (): void => {
          if (sent >= WARM_UP_REQUESTS || performance.now() > until) {
            if (active === 0) resolve();
            return;
          }
          active++;
          pool.send(requests[sent++ % 2]!, false, () => { active--; next(); });
        };
        for (let i = 0; i < WARM_UP_CONCURRENCY; i++) next();
      });
      pool.close();
    } finally {
      await sidecar.stop();
    }
  });
}
