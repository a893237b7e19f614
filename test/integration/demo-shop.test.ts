import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { seededRandom } from '../../src/common/index.js';
import { createShopService, SHOP_ROUTES } from '../../src/demo/shop-service.js';
import { listenOn } from '../../src/demo/sample-upstream.js';
import { startWorkerPool, type WorkerPool } from '../../src/demo/worker-pool.js';

describe('demo shop service and worker pool', () => {
  const closers: Array<() => Promise<void> | void> = [];
  afterEach(async () => { for (const c of closers.splice(0).reverse()) await c(); });

  it('serves every route with its own cost; unknown paths and missing items are 404', async () => {
    const shop = createShopService({ name: 'primary', random: seededRandom(1) });
    const url = await listenOn(shop.server);
    closers.push(() => new Promise<void>((r) => shop.server.close(() => r())));
    const time = async (method: string, path: string): Promise<{ status: number; ms: number }> => {
      const t0 = performance.now();
      const res = await request(`${url}${path}`, { method, body: method === 'POST' ? '{"sku":1}' : undefined });
      await res.body.dump();
      return { status: res.statusCode, ms: performance.now() - t0 };
    };
    expect((await time('GET', '/products/12')).status).toBe(200);
    expect((await time('GET', '/products/9999')).status).toBe(404);
    expect((await time('GET', '/nope')).status).toBe(404);
    expect((await time('GET', '/health')).status).toBe(200);
    // /search costs 12 ± 6 ms, /products/:id 2 ± 1 ms: server-side timing decides, medians of 9.
    const med = async (path: string): Promise<number> => {
      const xs: number[] = [];
      for (let i = 0; i < 9; i++) xs.push((await time('GET', path)).ms);
      return xs.sort((a, b) => a - b)[4]!;
    };
    expect(await med('/search?q=x')).toBeGreaterThan(await med('/products/5') + 2);
    expect(shop.stats().byRoute['/search']).toBe(9);
    expect(SHOP_ROUTES.map((r) => `${r.method} ${r.route}`)).toContain('POST /checkout');
  });

  it('a worker with concurrency 2 serves 2 at a time, queues the rest in order, and answers 503 beyond its queue', async () => {
    const pool: WorkerPool = await startWorkerPool(1, { concurrency: 2, queueLimit: 3, costScale: 10, random: () => 0.5 });
    closers.push(() => pool.close());
    // /cart/items: 4 ms × 10 = 40 ms each. 7 at once: 2 served, 3 queued, 2 refused.
    const results = await Promise.all(Array.from({ length: 7 }, async () => {
      const res = await request(`${pool.urls[0]}/cart/items`, { method: 'POST', body: 'x' });
      await res.body.dump();
      return res.statusCode;
    }));
    expect(results.filter((s) => s === 503)).toHaveLength(2);
    expect(results.filter((s) => s === 200 || s === 409)).toHaveLength(5);
    const st = pool.stats()[0]!;
    expect(st).toMatchObject({ served: 5, rejected: 2, active: 0, queued: 0 });
  });

  it('a client that goes away frees its slot', async () => {
    const pool = await startWorkerPool(1, { concurrency: 1, costScale: 50, random: () => 0.5 });
    closers.push(() => pool.close());
    const ac = new AbortController();
    const slow = request(`${pool.urls[0]}/search`, { signal: ac.signal }).catch(() => undefined);
    for (let i = 0; i < 100 && pool.stats()[0]!.active === 0; i++) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    await slow;
    for (let i = 0; i < 100 && pool.stats()[0]!.active !== 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(pool.stats()[0]!.active).toBe(0);
  });
});
