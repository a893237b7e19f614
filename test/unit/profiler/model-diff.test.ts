import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/common/index.js';
import { alignRoutes, diffModels, divergenceOf, ModelBuilder, mergeModels, routeTemplatesOf, type Observation, type RequestModel } from '../../../src/profiler/index.js';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const BOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

/** Sessions of `length` requests each (one client per session), a share of them from a bot. */
function model(opts: { sessions: number; length: (i: number) => number; botEvery?: number; post?: number; named?: boolean }): RequestModel {
  const b = new ModelBuilder({ random: seededRandom(1), ...(opts.named ? { sessionKey: { cookie: 'sid' } } : {}) });
  const t0 = Date.UTC(2026, 11, 1);
  for (let s = 0; s < opts.sessions; s++) {
    const bot = opts.botEvery !== undefined && s % opts.botEvery === 0;
    for (let k = 0; k < opts.length(s); k++) {
      const o: Observation = {
        ts: t0 + s * 1000 + k * 10, method: k === 1 && s % (opts.post ?? 1e9) === 0 ? 'POST' : 'GET',
        target: bot ? `/items/${s}` : k === 0 ? '/' : `/items/${k}`, status: 200, resBytes: 100, client: `10.0.${s >> 8}.${s & 255}`, userAgent: bot ? BOT : CHROME,
      };
      if (opts.named) o.session = `sess-${s}`;
      b.add(o);
    }
  }
  return b.build();
}

describe('profile diff: what synthesis controls', () => {
  const base = model({ sessions: 400, length: (i) => 1 + (i % 5), botEvery: 4, post: 3 });

  it('reports nothing for a model against itself', () => {
    const d = diffModels(base, base);
    expect(d.checks).toMatchObject({ 'route-mix': 0, 'method-mix': 0, 'user-agents': 0, 'session-length': 0 });
    expect(d.maxDivergence).toBe(0);
  });

  it('measures the method mix, the user-agent mix and session lengths separately', () => {
    const fewerPosts = model({ sessions: 400, length: (i) => 1 + (i % 5), botEvery: 4, post: 30 });
    expect(diffModels(base, fewerPosts).checks['method-mix']).toBeGreaterThan(0.01);
    const noBots = model({ sessions: 400, length: (i) => 1 + (i % 5), post: 3 });
    const d = diffModels(base, noBots);
    expect(d.checks['user-agents']).toBeGreaterThan(0.05);
    expect(d.userAgents.removed).toEqual(['bot']);
    const longer = model({ sessions: 400, length: (i) => 3 + (i % 5), botEvery: 4, post: 3 });
    const l = diffModels(base, longer);
    expect(l.checks['session-length']).toBeGreaterThan(0.3);
    expect(l.sessions!.meanAfter! - l.sessions!.meanBefore!).toBeCloseTo(2, 1);
    // Only the named checks count.
    expect(divergenceOf(l, ['route-mix', 'method-mix', 'user-agents'])).toBeLessThan(0.1);
    expect(divergenceOf(l, ['session-length'])).toBe(l.checks['session-length']);
  });

  it('a model without sessions is as far as it gets from one with sessions', () => {
    const b = new ModelBuilder();
    b.add({ ts: 0, method: 'GET', target: '/', status: 200, resBytes: 1 });
    expect(diffModels(base, b.build()).checks['session-length']).toBe(1);
  });
});

describe('the model records how sessions were seen and their user agents', () => {
  it('identity: inferred from clients, or named by the source (with the cookie when told)', () => {
    expect(model({ sessions: 10, length: () => 2 }).sessions!.identity).toEqual({ kind: 'client' });
    expect(model({ sessions: 10, length: () => 2, named: true }).sessions!.identity).toEqual({ kind: 'source', cookie: 'sid' });
  });

  it('user agents of sessions by start route: bots start elsewhere; merges add them', () => {
    const m = model({ sessions: 40, length: () => 3, botEvery: 4 });
    expect(m.sessions!.startUserAgents).toEqual({ 'GET /': { chrome: 30 }, 'GET /items/:id': { bot: 10 } });
    expect(mergeModels([m, m]).sessions!.startUserAgents).toEqual({ 'GET /': { chrome: 60 }, 'GET /items/:id': { bot: 20 } });
  });

  it('alignRoutes re-keys a model to another\'s templates and merges what falls together (profile diff --align)', () => {
    const b = new ModelBuilder({ random: seededRandom(1) });
    for (const [i, name] of ['ann', 'bob', 'ann', 'cyd'].entries()) b.add({ ts: i, method: 'GET', target: `/users/${name}/profile`, status: 200, resBytes: 10 * (i + 1) });
    b.add({ ts: 9, method: 'GET', target: '/about', status: 200, resBytes: 1 });
    const m = b.build();
    expect(m.routes.map((r) => r.route).sort()).toEqual(['/about', '/users/ann/profile', '/users/bob/profile', '/users/cyd/profile']);
    const aligned = alignRoutes(m, ['/users/:user/profile', '/users/{id}', '/']);
    expect(aligned.routes.map((r) => [r.route, r.requests])).toEqual([['/users/:user/profile', 4], ['/about', 1]]);
    expect(aligned.routes[0]!.weight).toBeCloseTo(0.8, 5);
    const before = new ModelBuilder();
    before.add({ ts: 0, method: 'GET', target: '/users/zed/profile', status: 200, resBytes: 5 });
    const tpl: RequestModel = { ...before.build() };
    tpl.routes = tpl.routes.map((r) => ({ ...r, route: '/users/:user/profile' }));
    expect(diffModels(tpl, m).routeMix.added).toHaveLength(4);
    expect(diffModels(tpl, alignRoutes(m, routeTemplatesOf(tpl))).routeMix.added).toEqual(['GET /about']);
  });

  it('route templates of a model, for --routes-from: every template, file groups and wildcards included', () => {
    const m = model({ sessions: 5, length: () => 2 });
    m.routes.push({ ...m.routes[0]!, route: '/img/:file.png' }, { ...m.routes[0]!, route: '/blog/*' }, { ...m.routes[0]!, method: 'OPTIONS', route: '*' });
    expect(routeTemplatesOf(m).sort()).toEqual(['/', '/blog/*', '/img/:file.png', '/items/:id']);
  });
});

describe('per-route checks and sample size', () => {
  /** 60 API routes with Zipf traffic, each with its own size distribution and error rate; `change` alters the traffic. */
  function traffic(n: number, seed: number, change?: { sizeFactor?: number; errors?: number }): Observation[] {
    const random = seededRandom(seed);
    const out: Observation[] = [];
    const weights = Array.from({ length: 60 }, (_, i) => 1 / (i + 1));
    const total = weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < n; i++) {
      let u = random() * total;
      let k = 0;
      while (u > weights[k]!) u -= weights[k++]!;
      const base = 200 + 150 * k;
      const size = Math.round(base * (0.5 + random()) * (k === 0 ? change?.sizeFactor ?? 1 : 1));
      const status = random() < (k === 1 ? change?.errors ?? 0.02 : 0.02) ? 500 : random() < 0.1 ? 404 : 200;
      out.push({ ts: t0 + i * 50, method: 'GET', target: `/api/r${k}/${1000 + Math.floor(random() * 500)}`, status, resBytes: size, client: `10.1.${i % 200}.${i % 3}` });
    }
    return out;
  }
  const t0 = Date.UTC(2026, 11, 1);
  const modelOf = (obs: Observation[]): RequestModel => {
    const b = new ModelBuilder({ random: seededRandom(1) });
    for (const o of obs) b.add(o);
    return b.build();
  };

  it('a log against its own first 3,000 lines: no size or status drift (rare routes do not count)', () => {
    const obs = traffic(20_000, 7);
    const d = diffModels(modelOf(obs), modelOf(obs.slice(0, 3000)));
    // The rare routes do differ by chance, as KS and JS values…
    expect(Math.max(...d.routes.map((r) => Math.max(r.resBytesKs, r.statusJsd)))).toBeGreaterThan(0.1);
    // …but none of them is significant with enough requests on both sides.
    expect(d.checks.sizes).toBeLessThan(0.1);
    expect(d.checks.status).toBeLessThan(0.1);
    expect(divergenceOf(d, ['sizes', 'status'])).toBeLessThan(0.1);
  });
  it('a genuinely changed log drifts: larger responses on the main route, errors on another', () => {
    const before = modelOf(traffic(20_000, 7));
    const bigger = diffModels(before, modelOf(traffic(3000, 8, { sizeFactor: 1.6 })));
    expect(bigger.checks.sizes).toBeGreaterThan(0.2);
    expect(bigger.routes.find((r) => r.route === '/api/r0/:id')!.counted.sizes).toBe(true);
    const errors = diffModels(before, modelOf(traffic(3000, 8, { errors: 0.5 })));
    expect(errors.checks.status).toBeGreaterThan(0.1);
    expect(errors.checks.sizes).toBeLessThan(0.1);
  });
  it('the KS critical value shrinks with sample size', async () => {
    const { ksCritical } = await import('../../../src/profiler/model/model-diff.js');
    expect(ksCritical(5, 5)).toBeGreaterThan(1);
    expect(ksCritical(10_000, 10_000)).toBeLessThan(0.03);
  });
});
