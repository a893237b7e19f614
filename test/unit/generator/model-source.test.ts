import { describe, expect, it } from 'vitest';
import { decodeHistogram, seededRandom, userAgentFamily } from '../../../src/common/index.js';
import { modelSource, parseScenario, SessionArrivals, SessionInterleave } from '../../../src/generator/index.js';
import { jensenShannon, ModelBuilder, parseAccessLogLine, type RequestModel } from '../../../src/profiler/index.js';
import { generateAccessLog, SITE_USER_AGENTS } from '../../helpers/log-fixture.js';

function siteModel(): RequestModel {
  const b = new ModelBuilder({ random: seededRandom(1) });
  for (const line of generateAccessLog({ sessions: 1500, seed: 11, userAgents: SITE_USER_AGENTS, malformedShare: 0 }).lines) b.add(parseAccessLogLine(line));
  return b.build();
}

const model = siteModel();

/** Evenly spaced session starts, n of them. */
function starts(n: number, everyMs: number): { next(): number | undefined } {
  let i = 0;
  return { next: () => (i < n ? i++ * everyMs : undefined) };
}

describe('model source: synthesised requests carry what the model knows', () => {
  it('user agents in the model\'s family mix (real strings that classify back), clients from a pool, query keys in their mix', () => {
    const src = modelSource(model, 5);
    const families: Record<string, number> = {};
    const clients = new Set<string>();
    const searchKeys: Record<string, number> = {};
    for (let i = 0; i < 20_000; i++) {
      const s = src.next(i);
      const f = userAgentFamily(s.headers['user-agent']);
      families[f] = (families[f] ?? 0) + 1;
      expect(s.headers['x-forwarded-for']).toMatch(/^198\.1[89]\.\d+\.\d+$/);
      clients.add(s.headers['x-forwarded-for']!);
      if (s.route === '/search') {
        const q = s.path.indexOf('?');
        const set = q < 0 ? '' : s.path.slice(q + 1).split('&').map((p) => p.split('=')[0]).sort().join('&');
        searchKeys[set] = (searchKeys[set] ?? 0) + 1;
      }
    }
    expect(Object.keys(families).sort()).toEqual(Object.keys(model.userAgents).sort());
    expect(jensenShannon(families, model.userAgents)).toBeLessThan(0.002);
    // 20,000 uniform draws from a pool of ~1,500 clients touch nearly all of it.
    expect(clients.size).toBeGreaterThan(model.clients.distinct * 0.95);
    expect(clients.size).toBeLessThanOrEqual(model.clients.distinct);
    const search = model.routes.find((r) => r.route === '/search')!;
    expect(searchKeys).toEqual({ 'page&q': expect.any(Number) });
    expect(Object.keys(search.queryKeySets)).toEqual(['page&q']);
  });

  it('each session keeps one user agent and one client; sessions at once do not share a client', () => {
    const arrivals = new SessionArrivals(model, starts(400, 5), 1e9, seededRandom(3), 1000);
    const src = modelSource(model, 5, { sessions: arrivals });
    const bySession = new Map<number, Set<string>>();
    const clientOf = new Map<string, number>();
    for (let i = 0; arrivals.next() !== undefined; i++) {
      const state = arrivals.sessionFor(i)!.state;
      const s = src.next(i);
      const id = `${s.headers['user-agent']}|${s.headers['x-forwarded-for']}`;
      const set = bySession.get(state.session) ?? new Set();
      set.add(id);
      bySession.set(state.session, set);
      const other = clientOf.get(s.headers['x-forwarded-for']!);
      if (other !== undefined) expect(other).toBe(state.session);
      clientOf.set(s.headers['x-forwarded-for']!, state.session);
    }
    expect(bySession.size).toBe(400);
    for (const ids of bySession.values()) expect(ids.size).toBe(1);
    // The model inferred its sessions from clients: no cookie is invented.
    expect(model.sessions!.identity).toEqual({ kind: 'client' });
  });

  it('rate-driven executors: open sessions share the arrivals, with the model\'s session lengths and route mix from the first arrival', () => {
    const open = SessionInterleave.openFor(1000, 20_000, 1); // 1,000 req/s, 20 s think: 20,000 open sessions
    expect(open).toBe(20_000);
    const inter = new SessionInterleave(model, 500, seededRandom(4));
    let n = 0;
    const src = modelSource(model, 5, { sessions: { followsSchedule: false, sessionFor: (i) => { const a = inter.sessionFor(i); n = a.state.session; return a; } } });
    let switched = 0;
    const lengths = new Map<number, number>();
    const routes: Record<string, number> = {};
    const firstRoutes: Record<string, number> = {};
    const clientsOf = new Map<number, string>();
    for (let i = 0; i < 40_000; i++) {
      const s = src.next(i);
      lengths.set(n, (lengths.get(n) ?? 0) + 1);
      const k = `${s.method} ${s.route}`;
      routes[k] = (routes[k] ?? 0) + 1;
      if ((clientsOf.get(n) ?? s.headers['x-forwarded-for']) !== s.headers['x-forwarded-for']) switched++;
      clientsOf.set(n, s.headers['x-forwarded-for']!);
    }
    expect(switched).toBe(0);
    const mix = Object.fromEntries(model.routes.map((r) => [`${r.method} ${r.route}`, r.requests]));
    expect(jensenShannon(routes, mix)).toBeLessThan(0.003);
    // Burnt in: with 20,000 sessions open, the first 2,000 arrivals are not all on entry pages.
    const wide = modelSource(model, 5, { sessions: new SessionInterleave(model, open, seededRandom(5)) });
    for (let i = 0; i < 2000; i++) {
      const s = wide.next(i);
      firstRoutes[`${s.method} ${s.route}`] = (firstRoutes[`${s.method} ${s.route}`] ?? 0) + 1;
    }
    expect(jensenShannon(firstRoutes, mix)).toBeLessThan(0.01);
    // Sessions that started and ended inside the run have the model's mean length.
    const last = Math.max(...lengths.keys());
    const done = [...lengths.entries()].filter(([k]) => k > 600 && k < last - 600).map(([, l]) => l);
    const mean = done.reduce((a, b) => a + b, 0) / done.length;
    expect(mean).toBeCloseTo(decodeHistogram(model.sessions!.length).mean, 0);
  });

  it('a session identity the input named goes out as a cookie or header, pseudonymous, one per session', () => {
    const named: RequestModel = { ...model, sessions: { ...model.sessions!, identity: { kind: 'source', cookie: 'sid' } } };
    const arrivals = new SessionArrivals(named, starts(50, 5), 1e9, seededRandom(3), 1000);
    const src = modelSource(named, 5, { sessions: arrivals });
    const ids = new Map<number, string>();
    for (let i = 0; arrivals.next() !== undefined; i++) {
      const s = src.next(i);
      const n = arrivals.sessionFor(i)!.state.session;
      expect(s.headers.cookie).toMatch(/^sid=s[0-9a-f]{16}$/);
      expect(ids.get(n) ?? s.headers.cookie).toBe(s.headers.cookie);
      ids.set(n, s.headers.cookie!);
    }
    expect(new Set(ids.values()).size).toBe(50);
    const one = new SessionArrivals(named, starts(1, 5), 1e9, seededRandom(3));
    const viaHeader = modelSource(named, 5, { sessions: one, sessionKey: { header: 'X-Session-Id' } });
    one.next();
    const h = viaHeader.next(0).headers;
    expect(h['x-session-id']).toMatch(/^s[0-9a-f]{16}$/);
    expect(h.cookie).toBeUndefined();
  });

  it('what-ifs: user-agent multipliers by family part, a client header and pool size, geo multipliers', () => {
    const share = (headers: Array<Record<string, string>>, test: (f: string) => boolean): number => headers.filter((h) => test(userAgentFamily(h['user-agent']))).length / headers.length;
    const draw = (opts: Parameters<typeof modelSource>[2], m = model): Array<Record<string, string>> => {
      const src = modelSource(m, 9, opts);
      return Array.from({ length: 20_000 }, (_, i) => src.next(i).headers);
    };
    const mobile = (f: string): boolean => f.endsWith('-mobile');
    const base = share(draw({}), mobile);
    const doubled = share(draw({ userAgents: { mobile: 2 } }), mobile);
    // Weight ×2 for mobile families: share p → 2p / (1 + p).
    expect(doubled).toBeCloseTo((2 * base) / (1 + base), 1);
    expect(share(draw({ userAgents: { bot: 0 } }), (f) => f === 'bot')).toBe(0);
    const custom = draw({ clients: { header: 'X-Client-Id', count: 7 } });
    expect(new Set(custom.map((h) => h['x-client-id'])).size).toBe(7);
    expect(custom[0]!['x-forwarded-for']).toBeUndefined();
    // Geo: the model's per-route geo mix, sent in x-geo, and re-weighted.
    const withGeo: RequestModel = { ...model, routes: model.routes.map((r) => ({ ...r, geo: { eu: r.requests / 2, us: r.requests / 2 } })) };
    const eu = (hs: Array<Record<string, string>>): number => hs.filter((h) => h['x-geo'] === 'eu').length / hs.length;
    expect(eu(draw({}, withGeo))).toBeCloseTo(0.5, 1);
    expect(eu(draw({ geo: { eu: 0.5 } }, withGeo))).toBeCloseTo(1 / 3, 1);
    expect(draw({}, model)[0]!['x-geo']).toBeUndefined();
  });

  it('refuses what-ifs that name nothing in the model, naming the key', () => {
    expect(() => modelSource(model, 1, { userAgents: { tablet: 2 } })).toThrow(/source\.userAgents\.tablet: the model has no user-agent family "tablet"/);
    expect(() => modelSource(model, 1, { geo: { eu: 2 } })).toThrow(/source\.geo\.eu/);
    expect(() => modelSource(model, 1, { userAgents: Object.fromEntries(Object.keys(model.userAgents).map((f) => [f, 0])) })).toThrow(/weight 0/);
  });

  it('the scenario schema checks the what-if keys strictly, naming each', () => {
    const base = { target: 'http://127.0.0.1:1', duration: '1s', load: { executor: 'sessions', rate: 1 } };
    const bad = (source: Record<string, unknown>, load?: Record<string, unknown>): string => {
      try { parseScenario({ ...base, ...(load ? { load } : {}), source: { kind: 'model', file: 'm.json', ...source } }); return ''; } catch (e) { return (e as Error).message; }
    };
    expect(bad({ clients: { header: 'x-client-id', count: 500, extra: 1 } })).toMatch(/source\.clients/);
    expect(bad({ clients: { count: 0 } })).toMatch(/source\.clients\.count/);
    expect(bad({ userAgents: { mobile: -1 } })).toMatch(/source\.userAgents\.mobile/);
    expect(bad({ sessions: { cookie: 'sid', header: 'x-s' } })).toMatch(/source\.sessions.*either cookie or header/s);
    expect(bad({ geoHeader: 'bad header' })).toMatch(/source\.geoHeader/);
    expect(bad({ sessions: { cookie: 'sid' } }, { executor: 'concurrency', vus: 1 })).toMatch(/source\.sessions.*open executor/s);
    expect(bad({ sessions: { cookie: 'sid' } }, { executor: 'poisson', rate: 1 })).toBe('');
    expect(bad({ userAgents: { mobile: 2 }, clients: { header: 'x-client-id', count: 500 }, geo: { eu: 0.5 }, sessions: { cookie: 'sid' } })).toBe('');
    expect(() => parseScenario({ ...base, load: { executor: 'poisson', rate: 1 }, source: { kind: 'fixed', path: '/', userAgents: { mobile: 2 } } })).toThrow(/source\.userAgents.*model sources only/s);
  });
});
