import { seededRandom, type Random } from '../../src/common/index.js';
import type { Observation } from '../../src/profiler/index.js';

/**
 * Generated access logs of real-looking sites, in Combined Log Format as
 * Apache writes it, deterministic for a seed. The site's structure is drawn
 * from the seed (how many posts, tags, talks, albums…), page popularity is
 * Zipf-like (most paths get one or two hits in a short log), browsers fetch
 * a page's assets after it, crawlers fetch pages only, scanners probe for
 * `/wp-login.php` and `/.env`, monitors send HEAD. `lines` is the target
 * line count; whole visits are emitted, so the log may run a few lines over.
 */
export interface SiteLog { lines: string[]; methods: Record<string, number> }

const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => (n < 10 ? '0' : '') + n;
function clfTime(ts: number): string {
  const d = new Date(ts);
  return `${pad(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
];
const BOTS = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
  'Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)',
];
const SCANNER = 'Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2228.0 Safari/537.36';
const MONITOR = 'Uptime-Kuma/1.23.0';

const WORDS = ('linux rust notes travel kernel debugging memory async docker nginx emacs vim shell backup cloud network dns tls http cache ' +
  'postgres sqlite python golang keyboard camera film bike mountains winter coffee books reading writing teaching talk slides conference ' +
  'security privacy firewall router raspberry arduino sensor weather garden bread recipes music synth guitar homelab ansible nixos zfs ' +
  'btrfs systemd logging metrics tracing profiling compiler parser lexer types generics macros testing fuzzing release packaging').split(' ');

const JUNK = ['/wp-login.php', '/wp-admin/', '/wp-admin/setup-config.php', '/xmlrpc.php', '/.env', '/.env.bak', '/.git/config', '/.git/HEAD',
  '/phpmyadmin/index.php', '/pma/index.php', '/admin/', '/admin.php', '/config.php', '/cgi-bin/luci', '/boaform/admin/formLogin',
  '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php', '/actuator/health', '/.aws/credentials', '/server-status', '/owa/auth/logon.aspx',
  '/wp-content/plugins/revslider/readme.txt', '/wp-includes/wlwmanifest.xml', '/blog/wp-login.php', '/old/wp-admin/', '/test.php', '/info.php',
  '/shell.php', '/.DS_Store', '/backup.zip', '/db.sql', '/.vscode/sftp.json', '/api/.env', '/laravel/.env', '/solr/admin/info/system',
  '/hudson', '/manager/html', '/HNAP1/', '/console/', '/remote/login', '/ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application',
  '/.well-known/security.txt', '/sitemap_index.xml', '/ads.txt', '/autodiscover/autodiscover.xml', '/geoserver/web/', '/webui/', '/login.action'];

interface Page { path: string; assets: string[]; weight: number }

function slug(r: Random, n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(WORDS[Math.floor(r() * WORDS.length)]!);
  return parts.join('-');
}
const int = (r: Random, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
function distinct(r: Random, n: number, make: () => string): string[] {
  const out = new Set<string>();
  for (let guard = 0; out.size < n && guard < n * 50; guard++) out.add(make());
  return [...out];
}

/** Zipf-like weights, shuffled so popularity does not follow declaration order. */
function zipf(r: Random, pages: Array<Omit<Page, 'weight'>>, s: number, boost: (p: Omit<Page, 'weight'>) => number): Page[] {
  const ranks = pages.map((_, i) => i + 1);
  for (let i = ranks.length - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [ranks[i], ranks[j]] = [ranks[j]!, ranks[i]!]; }
  return pages.map((p, i) => ({ ...p, weight: boost(p) / ranks[i]! ** s }));
}

const SITE_ASSETS = ['/css/style.css', '/js/main.js', '/favicon.ico'];

function blogSite(r: Random): Page[] {
  const pages: Array<Omit<Page, 'weight'>> = [];
  const add = (path: string, assets: string[] = SITE_ASSETS): void => { pages.push({ path, assets }); };
  for (const p of ['/', '/about/', '/blog/', '/presentations/', '/projects/', '/downloads/', '/contact/']) add(p);
  const sections = distinct(r, int(r, 5, 8), () => WORDS[Math.floor(r() * 40)]!);
  for (const sec of sections) {
    add(`/blog/${sec}/`);
    for (const post of distinct(r, int(r, 8, 40), () => slug(r, int(r, 2, 4)))) {
      add(`/blog/${sec}/${post}.html`, r() < 0.4 ? [...SITE_ASSETS, `/blog/${sec}/images/${post}-${int(r, 1, 4)}.png`] : SITE_ASSETS);
    }
  }
  for (const tag of distinct(r, int(r, 45, 90), () => WORDS[Math.floor(r() * WORDS.length)]! + (r() < 0.3 ? `-${WORDS[Math.floor(r() * WORDS.length)]}` : ''))) add(`/blog/tags/${tag}`);
  for (let n = 2; n <= int(r, 4, 12); n++) add(`/blog/page/${n}/`);
  const themes = ['black', 'white', 'league', 'simple', 'night', 'serif'];
  for (const talk of distinct(r, int(r, 10, 24), () => slug(r, int(r, 2, 3)))) {
    const base = `/presentations/${talk}/`;
    const assets = [`${base}css/reveal.css`, `${base}css/theme/${themes[Math.floor(r() * themes.length)]}.css`, `${base}lib/css/zenburn.css`, `${base}lib/js/head.min.js`,
      `${base}js/reveal.js`, `${base}plugin/notes/notes.js`, `${base}plugin/highlight/highlight.js`, `${base}plugin/markdown/markdown.js`, `${base}plugin/markdown/marked.js`,
      `${base}plugin/zoom-js/zoom.js`, `${base}lib/font/league-gothic/league-gothic.woff`, '/favicon.ico'];
    if (r() < 0.3) assets.push(`${base}plugin/math/math.js`);
    for (const img of distinct(r, int(r, 1, 10), () => slug(r, 1) + (r() < 0.5 ? '' : `-${int(r, 1, 9)}`))) assets.push(`${base}images/${img}.${r() < 0.8 ? 'png' : 'jpg'}`);
    add(base, assets);
    if (r() < 0.5) add(`${base}${talk}.pdf`, []);
  }
  for (const proj of distinct(r, int(r, 7, 18), () => slug(r, int(r, 1, 2)))) {
    add(`/projects/${proj}/`, r() < 0.5 ? [...SITE_ASSETS, `/projects/${proj}/screenshot.png`] : SITE_ASSETS);
    if (r() < 0.3) add(`/projects/${proj}/docs/`);
  }
  for (const dl of distinct(r, int(r, 10, 30), () => `${slug(r, 1)}-${int(r, 0, 3)}.${int(r, 0, 12)}.tar.gz`)) add(`/downloads/${dl}`, []);
  return zipf(r, pages, 1.0, (p) => (p.path === '/' ? 30 : p.path.startsWith('/blog/tags/') ? 0.6 : 1));
}

function docsSite(r: Random): Page[] {
  const pages: Array<Omit<Page, 'weight'>> = [];
  const versions = ['latest', 'stable', ...distinct(r, int(r, 2, 5), () => `v${int(r, 1, 3)}.${int(r, 0, 9)}`)];
  const sections = distinct(r, int(r, 4, 7), () => ['getting-started', 'guide', 'reference', 'api', 'howto', 'faq', 'internals', 'tutorials', 'deployment'][Math.floor(r() * 9)]!);
  const pagesOf = new Map(sections.map((s) => [s, distinct(r, int(r, 5, 30), () => slug(r, int(r, 1, 3)))]));
  for (const v of versions) {
    const assets = [`/docs/${v}/_static/pygments.css`, `/docs/${v}/_static/theme.css`, `/docs/${v}/_static/searchtools.js`, `/docs/${v}/_static/jquery.js`, '/favicon.ico'];
    pages.push({ path: `/docs/${v}/`, assets }, { path: `/docs/${v}/genindex.html`, assets }, { path: `/docs/${v}/search.html?q=${slug(r, 1)}`, assets }, { path: `/docs/${v}/objects.inv`, assets: [] });
    for (const [sec, list] of pagesOf) {
      for (const page of list) {
        if (v !== 'latest' && r() < 0.3) continue;
        pages.push({ path: `/docs/${v}/${sec}/${page}.html`, assets: r() < 0.3 ? [...assets, `/docs/${v}/_images/${page}.png`] : assets });
        if (r() < 0.2) pages.push({ path: `/docs/${v}/_sources/${sec}/${page}.rst.txt`, assets: [] });
      }
    }
  }
  pages.push({ path: '/', assets: SITE_ASSETS }, { path: '/gallery/', assets: SITE_ASSETS }, { path: '/changelog/', assets: SITE_ASSETS });
  for (const album of distinct(r, int(r, 12, 35), () => `${slug(r, int(r, 1, 2))}-${int(r, 2009, 2026)}`)) {
    const photos = distinct(r, int(r, 4, 30), () => `img_${int(r, 1000, 9999)}`);
    pages.push({ path: `/gallery/${album}/`, assets: [...SITE_ASSETS, ...photos.map((p) => `/gallery/${album}/thumbs/${p}.jpg`)] });
    for (const p of photos) pages.push({ path: `/gallery/${album}/${p}/`, assets: [...SITE_ASSETS, `/gallery/${album}/${p}.jpg`] });
  }
  for (let y = 2019; y <= 2026; y++) for (const post of distinct(r, int(r, 1, 6), () => slug(r, 3))) pages.push({ path: `/news/${y}/${pad(int(r, 1, 12))}/${post}/`, assets: SITE_ASSETS });
  return zipf(r, pages, 0.9, (p) => (p.path.startsWith('/docs/latest/') ? 4 : p.path === '/' ? 20 : 1));
}

function cumulative(pages: Page[]): Float64Array {
  const cum = new Float64Array(pages.length);
  let acc = 0;
  pages.forEach((p, i) => { acc += p.weight; cum[i] = acc; });
  return cum;
}
function pickIndex(cum: Float64Array, u: number): number {
  const target = u * cum[cum.length - 1]!;
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (cum[mid]! <= target) lo = mid + 1; else hi = mid; }
  return lo;
}

/** Without a sink, Combined Log Format lines; with one, the same requests as observations (no formatting or parsing: large volumes fast). */
function emit(pages: Page[], r: Random, n: number, sink?: (o: Observation) => void): SiteLog {
  const cum = cumulative(pages);
  const lines: string[] = [];
  const methods: Record<string, number> = {};
  let ts = Date.UTC(2026, 10, 2, 0, 0, 0);
  let count = 0;
  const line = (ip: string, method: string, path: string, status: number, bytes: number, ua: string, referer = '-'): void => {
    if (sink) sink({ ts: Math.floor(ts / 1000) * 1000, method, target: path, status, resBytes: status === 304 ? 0 : bytes, client: ip, userAgent: ua });
    else lines.push(`${ip} - - [${clfTime(ts)}] "${method} ${path} HTTP/1.1" ${status} ${status === 304 ? '-' : bytes} "${referer}" "${ua}"`);
    count++;
    methods[method] = (methods[method] ?? 0) + 1;
    ts += Math.floor(-Math.log(1 - r()) * 8000);
  };
  const ip = (): string => (r() < 0.1 ? `2a01:4f8:${int(r, 1, 0xffff).toString(16)}::${int(r, 1, 0xfff).toString(16)}` : `${int(r, 1, 223)}.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 1, 254)}`);
  const size = (): number => Math.round(2000 * Math.exp(1.2 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())));
  while (count < n) {
    const kind = r();
    if (kind < 0.07) {
      const client = ip();
      for (let k = int(r, 2, 14); k > 0; k--) {
        const junk = JUNK[Math.floor(r() * JUNK.length)]!;
        line(client, (junk.includes('login') || junk === '/xmlrpc.php') && r() < 0.5 ? 'POST' : 'GET', junk, 404, 196, SCANNER);
      }
    } else if (kind < 0.1) {
      line('203.0.113.9', 'HEAD', '/', 200, 0, MONITOR);
    } else if (kind < 0.3) {
      const bot = BOTS[Math.floor(r() * BOTS.length)]!;
      const client = ip();
      if (r() < 0.3) line(client, 'GET', '/robots.txt', 200, 120, bot);
      for (let k = int(r, 1, 6); k > 0; k--) line(client, r() < 0.05 ? 'HEAD' : 'GET', pages[pickIndex(cum, r())]!.path, r() < 0.03 ? 301 : 200, size(), bot);
    } else {
      const client = ip();
      const ua = BROWSERS[Math.floor(r() * BROWSERS.length)]!;
      for (let k = r() < 0.6 ? 1 : int(r, 2, 5); k > 0; k--) {
        const page = pages[pickIndex(cum, r())]!;
        const q = r() < 0.05 ? `?utm_source=${['twitter', 'hn', 'mastodon', 'rss'][Math.floor(r() * 4)]}` : '';
        line(client, 'GET', page.path + q, r() < 0.1 ? 304 : 200, size(), ua, r() < 0.3 ? 'https://www.google.com/' : '-');
        if (page.path === '/contact/' && r() < 0.2) line(client, 'POST', '/contact/', 303, 0, ua);
        if (r() < 0.6) for (const a of page.assets) if (r() < 0.9) line(client, 'GET', a, r() < 0.3 ? 304 : 200, size(), ua, `https://example.org${page.path}`);
      }
    }
  }
  return { lines, methods };
}

/** A personal site: blog posts under sections, tag pages, reveal.js talks with their assets, projects, downloads. */
export function generateBlogSiteLog(opts: { lines: number; seed: number }, sink?: (o: Observation) => void): SiteLog {
  const r = seededRandom(opts.seed);
  return emit(blogSite(r), r, opts.lines, sink);
}

/** A versioned documentation site with a photo gallery and dated news posts. */
export function generateDocsSiteLog(opts: { lines: number; seed: number }, sink?: (o: Observation) => void): SiteLog {
  const r = seededRandom(opts.seed);
  return emit(docsSite(r), r, opts.lines, sink);
}

/** API routes of the generated API log: template (as inference names it), method, weight, and a path maker. */
export const API_ROUTES: ReadonlyArray<[string, string, number, (r: Random) => string]> = (() => {
  const id = (r: Random): number => int(r, 1, 200_000);
  const sku = (r: Random): string => `P${int(r, 100_000, 999_999)}`;
  const uuid = (r: Random): string => [8, 4, 4, 4, 12].map((n) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('')).join('-');
  return [
    ['/api/v1/users/:id', 'GET', 14, (r) => `/api/v1/users/${id(r)}`],
    ['/api/v1/users/:id', 'PUT', 1.5, (r) => `/api/v1/users/${id(r)}`],
    ['/api/v1/users/:id', 'DELETE', 0.3, (r) => `/api/v1/users/${id(r)}`],
    ['/api/v1/users', 'GET', 3, (r) => `/api/v1/users?page=${int(r, 1, 40)}`],
    ['/api/v1/users', 'POST', 1, () => '/api/v1/users'],
    ['/api/v1/users/:id/orders', 'GET', 6, (r) => `/api/v1/users/${id(r)}/orders`],
    ['/api/v1/users/:id/addresses', 'GET', 1.2, (r) => `/api/v1/users/${id(r)}/addresses`],
    ['/api/v1/users/:id/addresses', 'POST', 0.3, (r) => `/api/v1/users/${id(r)}/addresses`],
    ['/api/v2/orders', 'GET', 5, (r) => `/api/v2/orders?status=open&page=${int(r, 1, 9)}`],
    ['/api/v2/orders', 'POST', 3, () => '/api/v2/orders'],
    ['/api/v2/orders/:id', 'GET', 10, (r) => `/api/v2/orders/${id(r)}`],
    ['/api/v2/orders/:id', 'PATCH', 1, (r) => `/api/v2/orders/${id(r)}`],
    ['/api/v2/orders/:id/items', 'GET', 7, (r) => `/api/v2/orders/${id(r)}/items`],
    ['/api/v2/orders/:id/items', 'POST', 2, (r) => `/api/v2/orders/${id(r)}/items`],
    ['/api/v2/orders/:id/items/:id', 'GET', 4, (r) => `/api/v2/orders/${id(r)}/items/${int(r, 1, 30)}`],
    ['/api/v2/orders/:id/items/:id', 'DELETE', 0.6, (r) => `/api/v2/orders/${id(r)}/items/${int(r, 1, 30)}`],
    ['/api/v1/products', 'GET', 6, (r) => `/api/v1/products?category=${WORDS[Math.floor(r() * 20)]}`],
    ['/api/v1/products/:product', 'GET', 12, (r) => `/api/v1/products/${sku(r)}`],
    ['/api/v1/products/:product/reviews', 'GET', 4, (r) => `/api/v1/products/${sku(r)}/reviews`],
    ['/api/v1/products/:product/reviews', 'POST', 0.6, (r) => `/api/v1/products/${sku(r)}/reviews`],
    ['/api/v2/carts/:uuid', 'GET', 4, (r) => `/api/v2/carts/${uuid(r)}`],
    ['/api/v2/carts/:uuid', 'PUT', 2, (r) => `/api/v2/carts/${uuid(r)}`],
    ['/api/v2/carts/:uuid/checkout', 'POST', 1, (r) => `/api/v2/carts/${uuid(r)}/checkout`],
    ['/api/v1/search', 'GET', 5, (r) => `/api/v1/search?q=${WORDS[Math.floor(r() * WORDS.length)]}`],
    ['/api/v1/auth/login', 'POST', 2, () => '/api/v1/auth/login'],
    ['/api/v1/auth/refresh', 'POST', 1.5, () => '/api/v1/auth/refresh'],
    ['/api/v1/auth/logout', 'POST', 0.5, () => '/api/v1/auth/logout'],
    ['/api/v1/categories', 'GET', 1, () => '/api/v1/categories'],
    ['/health', 'GET', 1, () => '/health'],
  ];
})();

/** An API's access log: versioned resources with ids, nested sub-resources, heavy few-children routes; plus a little scanner noise. */
export function generateApiLog(opts: { lines: number; seed: number }): SiteLog {
  const r = seededRandom(opts.seed);
  const cum = new Float64Array(API_ROUTES.length);
  let acc = 0;
  API_ROUTES.forEach(([, , w], i) => { acc += w; cum[i] = acc; });
  const lines: string[] = [];
  const methods: Record<string, number> = {};
  let ts = Date.UTC(2026, 10, 2, 0, 0, 0);
  const clients = Array.from({ length: 300 }, (_, i) => `10.1.${i >> 8}.${i & 255}`);
  while (lines.length < opts.lines) {
    let method: string;
    let path: string;
    let status = 200;
    if (r() < 0.002) {
      path = JUNK[Math.floor(r() * JUNK.length)]!;
      method = 'GET';
      status = 404;
    } else {
      const [, m, , make] = API_ROUTES[pickIndex(cum, r())]!;
      method = m;
      path = make(r);
      status = r() < 0.01 ? 500 : method === 'POST' ? 201 : 200;
    }
    lines.push(`${clients[Math.floor(r() * clients.length)]} - - [${clfTime(ts)}] "${method} ${path} HTTP/1.1" ${status} ${int(r, 20, 9000)} "-" "okhttp/4.12.0"`);
    methods[method] = (methods[method] ?? 0) + 1;
    ts += int(r, 10, 400);
  }
  return { lines, methods };
}
