import { createShopService, type ShopOptions, type ShopStats } from './shop-service.js';
import { listenOn } from './sample-upstream.js';

export interface WorkerPool {
  /** Every worker's URL; a membership set puts the first N in rotation. */
  urls: string[];
  stats(): ShopStats[];
  close(): Promise<void>;
}

/**
 * The scalable secondary: `n` copies of the shop service on loopback, each
 * with a fixed concurrency, so capacity ≈ n × concurrency / service time.
 * All listen from the start; replicas "exist" when the membership set
 * routes to them.
 */
export async function startWorkerPool(n: number, o: Omit<ShopOptions, 'name'> & { concurrency: number; name?: string }): Promise<WorkerPool> {
  const workers = Array.from({ length: n }, (_, i) => createShopService({ ...o, name: `${o.name ?? 'worker'}-${i}` }));
  const urls: string[] = [];
  try {
    for (const w of workers) urls.push(await listenOn(w.server));
  } catch (err) {
    for (const w of workers) w.server.close();
    throw err;
  }
  return {
    urls,
    stats: () => workers.map((w) => w.stats()),
    close: async () => {
      await Promise.all(workers.map((w) => new Promise<void>((r) => { w.server.closeAllConnections(); w.server.close(() => r()); })));
    },
  };
}
