import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createShopService } from '../../src/demo/shop-service.js';
import { listenOn } from '../../src/demo/sample-upstream.js';
import { TrafficDriver } from '../../src/demo/traffic-driver.js';
import { waitUntil } from '../helpers/wait.js';

describe('demo traffic driver', () => {
  const closers: Array<() => Promise<void> | void> = [];
  afterEach(async () => { for (const c of closers.splice(0).reverse()) await c(); });

  it('plays the day\'s volume (Poisson count within 3σ of the integral), sessions with cookies, and a flash sale on its route', async () => {
    const shop = createShopService({ name: 'primary', random: () => 0.5 });
    const seen: Array<{ at: number; route: string; cookie: string; tagged: boolean }> = [];
    const t0 = performance.now();
    shop.server.prependListener('request', (req: IncomingMessage) => {
      const path = (req.url ?? '').split('?')[0]!;
      seen.push({ at: performance.now() - t0, route: /^\/products\/\d+$/.test(path) ? '/products/:id' : path, cookie: String(req.headers.cookie ?? ''), tagged: Object.keys(req.headers).some((h) => h.startsWith('x-shadowtwin')) });
    });
    const url = await listenOn(shop.server);
    closers.push(() => new Promise<void>((r) => { shop.server.closeAllConnections(); shop.server.close(() => r()); }));
    // A day of 3 s: flat volume (mean 120 req/s) and a flash sale on /checkout over the middle third, ×4 (+360 req/s).
    const driver = new TrafficDriver({ target: url, dayMs: 3_000, meanRate: 120, shape: [1, 1, 1], smooth: 1, seed: 9,
      events: [{ name: 'flash sale', at: 1 / 3, length: 1 / 3, method: 'POST', path: '/checkout', multiplier: 4 }] });
    expect(driver.rateAt(500)).toBeCloseTo(120, 9);
    expect(driver.rateAt(1_500)).toBeCloseTo(480, 9);
    const played = new Promise((r) => driver.once('played', r));
    driver.start(3_000);
    await played;
    await driver.stop();
    await waitUntil(() => seen.length >= driver.stats.completed, 'the server saw every completed request');
    // Expected arrivals: 120 × 3 s + 360 × 1 s = 720 (σ ≈ 27).
    expect(driver.stats.sent).toBeGreaterThan(720 - 3 * 27);
    expect(driver.stats.sent).toBeLessThan(720 + 3 * 27);
    expect(driver.stats.failed).toBe(0);
    expect(seen.every((s) => !s.tagged)).toBe(true);
    // Checkout share: in the middle third, mostly the sale; elsewhere, only sessions that reached it.
    const share = (from: number, to: number): number => {
      const w = seen.filter((s) => s.at >= from && s.at < to);
      return w.filter((s) => s.route === '/checkout').length / Math.max(1, w.length);
    };
    expect(share(1_150, 1_850)).toBeGreaterThan(0.6);
    expect(share(0, 900)).toBeLessThan(0.2);
    // Sessions: cookies repeat (a user makes several requests) and walk the pages.
    const byCookie = new Map<string, string[]>();
    for (const s of seen.filter((x) => x.cookie.startsWith('sid=u'))) byCookie.set(s.cookie, [...(byCookie.get(s.cookie) ?? []), s.route]);
    const multi = [...byCookie.values()].filter((r) => r.length >= 3);
    expect(multi.length).toBeGreaterThan(10);
    expect(new Set(seen.map((s) => s.route))).toEqual(new Set(['/search', '/products/:id', '/cart/items', '/cart', '/checkout']));
    // Stale product links are 404s.
    expect(driver.stats.byStatus['404'] ?? 0).toBeGreaterThan(0);
  });

  it('follows the shape: the busy half of a two-level day gets about three times the quiet half', async () => {
    const shop = createShopService({ name: 'primary', random: () => 0.5 });
    const url = await listenOn(shop.server);
    closers.push(() => new Promise<void>((r) => { shop.server.closeAllConnections(); shop.server.close(() => r()); }));
    // 8 steps: four at 1, four at 3 (mean 2): the quiet steps play 50 req/s, the busy ones 150 (interpolated at the edges).
    const d = new TrafficDriver({ target: url, dayMs: 4_000, meanRate: 100, shape: [1, 1, 1, 1, 3, 3, 3, 3], smooth: 1, seed: 3 });
    expect(d.baseRate(1 / 8 + 0.01)).toBeCloseTo(50, 6);
    expect(d.baseRate(5 / 8 + 0.01)).toBeCloseTo(150, 6);
    expect(d.baseRate(3.5 / 8)).toBeCloseTo(100, 6);
  });
});
