import { describe, expect, it } from 'vitest';
import { collapseRoutes, mergeModels, ModelBuilder, ModelSampler, paramNameFor, parseAccessLogLine, renderModel, RouteInference, routeReport, type RequestModel } from '../../../src/profiler/index.js';
import { API_ROUTES, generateApiLog, generateBlogSiteLog, generateDocsSiteLog } from '../../helpers/site-log-fixture.js';

function build(lines: readonly string[], opts: { collapse?: false; routes?: string[] } = {}): RequestModel {
  let seed = 1;
  const b = new ModelBuilder({ ...opts, random: () => ((seed = (seed * 16807) % 2147483647) / 2147483647) });
  for (const l of lines) b.add(parseAccessLogLine(l)!);
  return b.build();
}
const templates = (m: RequestModel): Set<string> => new Set(m.routes.map((r) => r.route));
function byMethod(m: RequestModel): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of m.routes) out[r.method] = (out[r.method] ?? 0) + r.requests;
  return out;
}
const pathOf = (line: string): string => parseAccessLogLine(line)!.target;

/** The targets of a generalised site model: few templates, the tag pages one, nothing dropped. */
function expectGeneralised(lines: { length: number }, methods: Record<string, number>, after: RequestModel): void {
  const n = templates(after).size;
  expect(n).toBeGreaterThanOrEqual(30);
  expect(n).toBeLessThanOrEqual(200);
  expect(after.routes.length).toBeLessThanOrEqual(200);
  expect(after.routes.reduce((a, r) => a + r.requests, 0)).toBe(lines.length);
  expect(byMethod(after)).toEqual(methods);
}

describe('route generalisation on generated sites', () => {
  it.each([1, 2])('a personal site log of 10k lines (seed %i): 500+ templates become 30–200, tag pages one template, method mix unchanged', (seed) => {
    const log = generateBlogSiteLog({ lines: 10_000, seed });
    const before = build(log.lines, { collapse: false });
    const after = build(log.lines);
    expect(templates(before).size).toBeGreaterThan(300); // the fixture has the problem of the real log
    expectGeneralised(log.lines, log.methods, after);
    expect(byMethod(after)).toEqual(byMethod(before));
    expect([...templates(after)].filter((t) => t.startsWith('/blog/tags/'))).toEqual(['/blog/tags/:tag']);
    // The route report says how many routes were generalised.
    const generalised = after.routes.filter((r) => r.collapsed).length;
    expect(generalised).toBeGreaterThan(0);
    expect(routeReport(after).generalised).toBe(generalised);
    expect(routeReport(before).generalised).toBe(0);
    expect(renderModel(after)).toContain(`route templates: ${after.routes.length}, ${generalised} generalised at build`);
    // Talks generalise: no template names one talk's theme stylesheet any more.
    expect([...templates(after)].filter((t) => t.startsWith('/presentations/') && t.endsWith('/css/theme/:file.css'))).toEqual(['/presentations/:presentation/css/theme/:file.css']);
    // Sessions see the same requests, under the final templates.
    const starts = (m: RequestModel): number => Object.values(m.sessions!.start).reduce((a, b) => a + b, 0);
    expect(starts(after)).toBe(starts(before));
    for (const key of Object.keys(after.sessions!.start)) expect(after.routes.some((r) => `${r.method} ${r.route}` === key)).toBe(true);
  });

  it('a docs site with a photo gallery (another structure) also lands in 30–200', () => {
    for (const seed of [3, 4]) {
      const log = generateDocsSiteLog({ lines: 10_000, seed });
      expect(templates(build(log.lines, { collapse: false })).size).toBeGreaterThan(300);
      expectGeneralised(log.lines, log.methods, build(log.lines));
    }
  });

  it('adapts to volume: the same site at ~500k lines gives 30–200 templates and one tag template', () => {
    // The same requests as the log lines, handed over parsed: 500k lines formatted and parsed again would take most of a minute on a busy machine.
    const b = new ModelBuilder({ random: () => 0.5 });
    let n = 0;
    const log = generateBlogSiteLog({ lines: 500_000, seed: 1 }, (o) => { b.add(o); n++; });
    const after = b.build();
    expect(n).toBeGreaterThanOrEqual(500_000);
    expectGeneralised({ length: n }, log.methods, after);
    expect([...templates(after)].filter((t) => t.startsWith('/blog/tags/'))).toEqual(['/blog/tags/:tag']);
  }, 60_000);

  it('an API log keeps every exact template (few, heavy children), only scanner noise folds', () => {
    const log = generateApiLog({ lines: 20_000, seed: 5 });
    const before = build(log.lines, { collapse: false });
    const after = build(log.lines);
    for (const [route, method] of API_ROUTES) {
      const a = after.routes.find((r) => r.route === route && r.method === method);
      const b = before.routes.find((r) => r.route === route && r.method === method);
      expect(a, `${method} ${route}`).toBeDefined();
      expect(a!.collapsed).toBeUndefined();
      expect(a!.requests).toBe(b!.requests);
    }
    for (const r of after.routes.filter((x) => x.collapsed)) expect(r.route.startsWith('/api/')).toBe(false);
    expect(byMethod(after)).toEqual(log.methods);
  });

  it('synthesis from collapsed routes draws real observed paths, and many of them', () => {
    const log = generateBlogSiteLog({ lines: 10_000, seed: 2 });
    const observed = new Set(log.lines.map(pathOf));
    const model = build(log.lines);
    const tags = model.routes.find((r) => r.method === 'GET' && r.route === '/blog/tags/:tag')!;
    const tagsSeen = new Set(log.lines.map(pathOf).filter((p) => p.startsWith('/blog/tags/'))).size;
    expect(new Set(tags.paths).size).toBeGreaterThanOrEqual(Math.min(40, tagsSeen));
    const sampler = new ModelSampler(model, 3);
    const collapsed = model.routes.filter((r) => r.collapsed);
    expect(collapsed.length).toBeGreaterThan(5);
    for (const r of collapsed) {
      for (let i = 0; i < 20; i++) {
        const s = sampler.request(`${r.method} ${r.route}`);
        expect(s.route).toBe(r.route);
        expect(observed.has(s.path), s.path).toBe(true);
      }
    }
  });

  it('the path pool of a collapsed route follows traffic across the merged templates', () => {
    const b = new ModelBuilder({ random: ((x = 7) => () => ((x = (x * 16807) % 2147483647) / 2147483647))() });
    let ts = 1e12;
    const add = (target: string): void => b.add({ ts: (ts += 1000), method: 'GET', target, status: 200, resBytes: 10 });
    for (let i = 0; i < 4000; i++) add('/');
    for (let i = 0; i < 20; i++) for (let t = 0; t < 30; t++) add(`/tags/t${String.fromCharCode(97 + (t % 26))}${t}`);
    for (let i = 0; i < 500; i++) add('/tags/popular');
    const tags = b.build().routes.find((r) => r.route === '/tags/:tag')!;
    expect(tags.collapsed).toBe(true);
    const popular = tags.paths.filter((p) => p === '/tags/popular').length / tags.paths.length;
    expect(popular).toBeGreaterThan(0.3); // 500 of 1,100 requests: 0.45
    expect(popular).toBeLessThan(0.58);
    expect(new Set(tags.paths).size).toBeGreaterThanOrEqual(25);
  });

  it('shard models merged keep the larger path pool of a collapsed route', () => {
    const log = generateBlogSiteLog({ lines: 10_000, seed: 2 });
    const half = log.lines.length >> 1;
    const merged = mergeModels([build(log.lines.slice(0, half)), build(log.lines.slice(half))]);
    const tags = merged.routes.find((r) => r.method === 'GET' && r.route === '/blog/tags/:tag')!;
    expect(tags.collapsed).toBe(true);
    expect(tags.paths.length).toBeGreaterThan(100);
    expect(tags.paths.length).toBeLessThanOrEqual(200);
  });

  it('never collapses route-table templates or templates named by the source', () => {
    const log = generateBlogSiteLog({ lines: 10_000, seed: 1 });
    const tagPaths = [...new Set(log.lines.map(pathOf).filter((p) => p.startsWith('/blog/tags/')).map((p) => p.split('?')[0]!))];
    const model = build(log.lines, { routes: tagPaths });
    expect(model.routes.filter((r) => r.method === 'GET').map((r) => r.route)).toEqual(expect.arrayContaining(tagPaths));
    expect(tagPaths.length).toBeGreaterThan(1);
    expect(model.routes.filter((r) => r.route.startsWith('/blog/tags/') && r.collapsed)).toEqual([]);

    const b = new ModelBuilder({ random: () => 0.5 });
    for (let i = 0; i < 40; i++) b.add({ ts: 1e12 + i, method: 'GET', target: `/s/x${i}/y`, route: `/s/:x${i}/y`, status: 200, resBytes: 1 });
    for (let i = 0; i < 4000; i++) b.add({ ts: 1e12 + i, method: 'GET', target: '/home', status: 200, resBytes: 1 });
    const m = b.build();
    expect(m.routes.filter((r) => r.route.startsWith('/s/')).map((r) => r.route).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `/s/:x${i}/y`).sort());
  });
});

describe('collapseRoutes', () => {
  const api = new Map<string, number>([
    ['/api/v1/users/:id', 5000], ['/api/v1/users', 900], ['/api/v1/users/:id/orders', 1200], ['/api/v1/auth/login', 300],
    ['/api/v1/auth/logout', 20], ['/api/v1/auth/refresh', 25], ['/api/v2/orders/:id/items/:id', 800], ['/api/v2/orders/:id', 1500],
    ['/api/v1/users/:id/avatar', 8], ['/health', 50],
  ]);

  it('leaves few heavy children and lone rare endpoints alone', () => {
    const out = collapseRoutes(api);
    for (const t of api.keys()) expect(out.get(t)).toEqual({ route: t, collapsed: false });
  });

  it('keeps every template of a large API: 100 collections, Zipf traffic, most of them rare', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      const w = 100_000 / (i + 1);
      counts.set(`/api/v1/res${i}`, Math.round(w * 0.3));
      counts.set(`/api/v1/res${i}/:id`, Math.round(w * 0.6));
      counts.set(`/api/v1/res${i}/:uuid/sub${i % 3}`, Math.round(w * 0.1));
    }
    for (const [t, v] of collapseRoutes(counts)) expect(v, t).toEqual({ route: t, collapsed: false });
  });

  it('folds a long light tail into a wildcard and keeps the heavy siblings exact', () => {
    const counts = new Map(api);
    const probes = ['/wp-login.php', '/.env', '/xmlrpc.php', '/.git/config', '/admin.php', '/phpmyadmin/index.php'];
    for (const p of probes) counts.set(p, 2);
    const out = collapseRoutes(counts);
    for (const p of probes) expect(out.get(p)).toEqual({ route: '/*', collapsed: true });
    for (const t of api.keys()) expect(out.get(t)!.route).toBe(t);
  });

  it('reads a literal * (Apache logs OPTIONS * for its dummy connections) as a path, not as a wildcard to fold into', () => {
    const counts = new Map<string, number>([['/', 5000], ['/*', 400], ['/about', 900], ['/feed', 2]]);
    const out = collapseRoutes(counts);
    for (const t of counts.keys()) expect(out.get(t)).toEqual({ route: t, collapsed: false });
  });

  it('turns many thin look-alike siblings into one parameter named after the parent, subtrees merged', () => {
    const counts = new Map<string, number>([['/', 5000], ['/about', 800]]);
    for (let i = 0; i < 12; i++) {
      counts.set(`/talks/t${String.fromCharCode(97 + i)}/`, 3 + i);
      counts.set(`/talks/t${String.fromCharCode(97 + i)}/css/:file.css`, 2);
      counts.set(`/talks/t${String.fromCharCode(97 + i)}/js/:file.js`, 2);
    }
    const out = collapseRoutes(counts);
    expect(out.get('/talks/ta/css/:file.css')).toEqual({ route: '/talks/:talk/css/:file.css', collapsed: true });
    expect(out.get('/talks/tl/')!.route).toBe('/talks/:talk/');
    expect(out.get('/about')!.route).toBe('/about');
  });

  it('names a merged parameter afresh when the merged values had their own (never after one value)', () => {
    const counts = new Map<string, number>([['/', 9000]]);
    for (const album of ['italy', 'spain', 'norway', 'chile', 'japan', 'peru']) counts.set(`/gallery/${album}/:${album}`, 12);
    const out = collapseRoutes(counts);
    expect(new Set([...out.values()].map((v) => v.route))).toEqual(new Set(['/', '/gallery/:gallery/:param']));
  });

  it('names parameters after their parent, never after a value with digits', () => {
    expect(['users', 'categories', 'tags', 'v1.4', 'album-2019', undefined].map(paramNameFor)).toEqual(['user', 'category', 'tag', 'param', 'param', 'param']);
  });

  it('gives the same shape at any volume (the floor is a share above a small minimum)', () => {
    const counts = new Map<string, number>([['/', 3000], ['/blog/', 900]]);
    for (let i = 0; i < 30; i++) counts.set(`/blog/tags/tag${String.fromCharCode(97 + (i % 26))}${i}`, 1 + (i % 4));
    for (let i = 0; i < 8; i++) counts.set(`/junk${i}.php`, 1);
    const small = collapseRoutes(counts);
    const big = collapseRoutes(new Map([...counts].map(([k, v]) => [k, v * 1000])));
    expect([...big]).toEqual([...small]);
    expect(new Set([...small.values()].map((v) => v.route))).toEqual(new Set(['/', '/blog/', '/blog/tags/:tag', '/:param']));
  });

  it('survives hostile depth (a template of 20,000 segments) without overflowing the stack', () => {
    const deep = '/x' + '/a'.repeat(20_000);
    const out = collapseRoutes(new Map([[deep, 3], ['/', 100], ['/about', 50]]));
    expect(out.get(deep)).toEqual({ route: deep, collapsed: false });
  });

  it('merges popular values into a parameter online inference made, unless one dominates', () => {
    const counts = new Map<string, number>([['/', 10_000], ['/users/:user', 3000], ['/users/alice', 400], ['/users/bob', 300], ['/users/me', 9000]]);
    const out = collapseRoutes(counts);
    expect(out.get('/users/alice')!.route).toBe('/users/:user');
    expect(out.get('/users/bob')!.route).toBe('/users/:user');
    expect(out.get('/users/me')!.route).toBe('/users/me');
  });
});

describe('online collapse keeps heavy values', () => {
  it('scanner probes at the root do not swallow the site sections', () => {
    const ri = new RouteInference();
    for (let i = 0; i < 500; i++) ri.observe(`/blog/post-${'abcdefghij'[i % 10]}.html`);
    for (let i = 0; i < 100; i++) ri.observe('/about/');
    for (let i = 0; i < 45; i++) ri.observe(`/probe-${'abcdefghijklmnopqrstuvwxyz'[i % 26]}${'xyz'[i % 3]}.php`);
    expect(ri.observe('/blog/post-a.html')).toBe('/blog/post-a.html');
    expect(ri.observe('/about/')).toBe('/about/');
    expect(ri.observe('/another-probe.php')).toBe('/:param');
  });
});
