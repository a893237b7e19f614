import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/common/index.js';
import { ModelBuilder, RouteInference, routeTemplatesOf, diffModels, type Observation } from '../../../src/profiler/index.js';

const t0 = Date.UTC(2026, 11, 1);

describe('route table: every template a model holds matches', () => {
  const ri = new RouteInference({ routes: ['/', '/*', '/:file.xml', '/:file.ico', '/blog/:post', '/blog/feed.xml', '/img/:file.png', '/img/*', '/users/:id', '/users/:user', '/docs/{section}/*', '/x/', '/pics/:file.png', '/pics/:token'] });
  it.each([
    ['/', '/'],
    ['/sitemap.xml', '/:file.xml'],
    ['/favicon.ICO', '/:file.ico'],
    ['/wp-login.php', '/*'],
    ['/a/b/c/d', '/*'],
    ['/blog/feed.xml', '/blog/feed.xml'],
    ['/blog/hello', '/blog/:post'],
    ['/blog/hello/comments', '/*'],
    ['/img/logo.png', '/img/:file.png'],
    ['/img/logo.gif', '/img/*'],
    ['/img/a/b.png', '/img/*'],
    ['/users/42', '/users/:id'],
    ['/users/alice', '/users/:user'],
    ['/docs/guide/intro/setup', '/docs/:section/*'],
    ['/x/', '/x/'],
    ['/pics/cat.png', '/pics/:file.png'],
    ['/pics/IMG20240101abcdefghijk.png', '/pics/:token'],
  ])('%s → %s', (path, template) => {
    expect(ri.observe(path)).toBe(template);
  });
});

/** A site: pages, a blog, tags, assets at the root (`/favicon.ico`, `/sitemap.xml`), deep rarely read pages, scanner probes. */
function siteTraffic(n: number, seed: number): Observation[] {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const out: Observation[] = [];
  const probes = ['/wp-login.php', '/.env', '/admin.php', '/xmlrpc.php', '/.git/config', '/server-status', '/phpinfo.php', '/config.json', '/backup.zip', '/wp-admin/setup-config.php', '/vendor/phpunit/x/eval-stdin.php', '/cgi-bin/luci'];
  const posts = Array.from({ length: 120 }, (_, i) => `post-${String.fromCharCode(97 + (i % 26))}${i}`);
  for (let i = 0; i < n; i++) {
    const r = random();
    let target: string;
    if (r < 0.3) target = '/';
    else if (r < 0.55) target = `/blog/${posts[Math.floor(Math.pow(random(), 3) * posts.length)]}/`;
    else if (r < 0.65) target = `/tags/${pick(['go', 'rust', 'nix', 'linux', 'web', 'perf', 'k8s', 'db'])}/`;
    else if (r < 0.75) target = pick(['/favicon.ico', '/sitemap.xml', '/robots.txt', '/feed.xml', '/about/']);
    else if (r < 0.85) target = `/static/${pick(['css', 'js', 'img'])}/${pick(['a', 'b', 'c', 'd'])}${Math.floor(random() * 30)}.${pick(['css', 'js', 'png'])}`;
    else if (r < 0.98) target = `/talks/${pick(['t1', 't2', 't3', 't4', 't5', 't6', 't7'])}/${pick(['slides', 'notes', 'video'])}/${Math.floor(random() * 3)}`;
    else target = pick(probes) + (random() < 0.3 ? '?x=1' : '');
    out.push({ ts: t0 + i * 100, method: random() < 0.02 ? 'POST' : 'GET', target, status: random() < 0.1 ? 404 : 200, resBytes: Math.floor(random() * 5000), client: `10.0.${i % 50}.${i % 7}` });
  }
  return out;
}

function build(obs: Observation[], routes?: string[]) {
  const b = new ModelBuilder({ random: seededRandom(1), ...(routes ? { routes } : {}) });
  for (const o of obs) b.add(o);
  return b.build();
}

describe('--routes-from its own model', () => {
  it.each([[3000, 1], [20000, 2], [8000, 3]])('reproduces the templates and the route mix (%i requests, seed %i)', (n, seed) => {
    const obs = siteTraffic(n, seed);
    const first = build(obs);
    const templates = routeTemplatesOf(first);
    expect(templates.some((t) => t.endsWith('/*'))).toBe(true);
    expect(templates.some((t) => /:file\.[a-z]+/.test(t))).toBe(true);
    const again = build(obs, templates);
    const counts = (m: typeof first): Record<string, number> => Object.fromEntries(m.routes.map((r) => [`${r.method} ${r.route}`, r.requests]));
    expect(counts(again)).toEqual(counts(first));
    expect(diffModels(first, again).maxDivergence).toBe(0);
  });
});

describe('scanner probes at the root', () => {
  it('fold into /* with the light tail, not a /:param beside it', () => {
    const m = build(siteTraffic(20000, 4));
    const root = m.routes.filter((r) => /^\/[^/]*$/.test(r.route)).map((r) => r.route);
    expect(root).toContain('/*');
    expect(root).not.toContain('/:param');
    const star = m.routes.filter((r) => r.route === '/*').flatMap((r) => r.paths.map((p) => p.split('?')[0]));
    expect(star).toEqual(expect.arrayContaining(['/wp-login.php', '/.env', '/admin.php']));
  });
});
