import { seededRandom, type Random } from '../../src/common/index.js';

/** Ground truth for one generated request. */
export interface TruthRequest { ts: number; route: string; method: string; path: string; status: number; bytes: number; client: string; session: number; line: string }

const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');

/** `[20/Nov/2026:11:00:00 +0100]` for an epoch ms, in a +01:00 zone. */
function clfTime(ts: number): string {
  const d = new Date(ts + 3_600_000);
  return `${pad(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0100`;
}

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  'okhttp/4.12.0',
];
const BOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

type State = '/' | '/products' | '/products/:id' | '/search' | '/cart/add' | '/checkout' | '/users/:user/profile';
const CHAIN: Record<State, Array<[State | 'exit', number]>> = {
  '/': [['/products', 0.45], ['/products/:id', 0.25], ['/users/:user/profile', 0.1], ['exit', 0.2]],
  '/products': [['/products/:id', 0.6], ['/search', 0.2], ['exit', 0.2]],
  '/products/:id': [['/cart/add', 0.3], ['/products/:id', 0.3], ['/products', 0.2], ['exit', 0.2]],
  '/search': [['/products/:id', 0.6], ['exit', 0.4]],
  '/cart/add': [['/checkout', 0.5], ['/products', 0.3], ['exit', 0.2]],
  '/checkout': [['exit', 1]],
  '/users/:user/profile': [['/', 0.5], ['exit', 0.5]],
};
const START: Array<[State, number]> = [['/', 0.5], ['/products', 0.3], ['/search', 0.2]];
const MEAN_BYTES: Record<State, number> = { '/': 12_000, '/products': 30_000, '/products/:id': 8_000, '/search': 15_000, '/cart/add': 300, '/checkout': 900, '/users/:user/profile': 4_000 };

function normalised<T>(items: Array<[T, number]>): Array<[T, number]> {
  const total = items.reduce((a, [, w]) => a + w, 0);
  return items.map(([v, w]) => [v, w / total]);
}

/**
 * A site's user-agent mix by real strings (desktop and mobile browsers,
 * SDKs, tools): about 32% Chrome, 28% Firefox, the rest spread out.
 */
export const SITE_USER_AGENTS: Array<[string, number]> = [
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', 20],
  ['Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36', 12],
  ['Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0', 22],
  ['Mozilla/5.0 (Android 13; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0', 6],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1', 12],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15', 6],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91', 7],
  ['okhttp/4.12.0', 6],
  ['curl/8.5.0', 3],
  ['python-requests/2.31.0', 3],
  ['-', 3],
];

function pick<T>(r: Random, items: Array<[T, number]>): T {
  let u = r();
  for (const [v, p] of items) { if ((u -= p) < 0) return v; }
  return items[items.length - 1]![0];
}

function realise(r: Random, state: State): { method: string; path: string } {
  switch (state) {
    case '/products/:id': return { method: 'GET', path: `/products/${1 + Math.floor(r() * 5000)}` };
    case '/search': return { method: 'GET', path: `/search?q=${Math.floor(r() * 1e6).toString(36)}&page=${1 + Math.floor(r() * 3)}` };
    case '/cart/add': return { method: 'POST', path: '/cart/add' };
    case '/checkout': return { method: 'POST', path: '/checkout' };
    case '/users/:user/profile': return { method: 'GET', path: `/users/${['ann', 'bob', 'cyd', 'dee', 'eve', 'fay', 'gus', 'hal'][Math.floor(r() * 8)]}${Math.floor(r() * 60)}x/profile` };
    default: return { method: 'GET', path: state };
  }
}

/**
 * A realistic Combined Log Format fixture: sessions arriving with a daily-ish
 * swell, walking a page graph with exponential think times; crawler bots;
 * a few errors and 304s with `-` sizes; escaped quotes; IPv6 clients; and a
 * share of malformed lines. Deterministic for a seed.
 */
export function generateAccessLog(opts: {
  sessions: number; seed?: number; windowMs?: number; malformedShare?: number;
  /** User agents of non-bot sessions, weighted (default: four browsers and SDKs, equally). */
  userAgents?: Array<[ua: string, weight: number]>;
  /** Bot share of sessions (default 0.05). */
  botShare?: number;
}): { lines: string[]; truth: TruthRequest[]; sessionLengths: number[]; malformed: number[] } {
  const r = seededRandom(opts.seed ?? 7);
  const windowMs = opts.windowMs ?? 2 * 3_600_000;
  const t0 = Date.UTC(2026, 10, 20, 10, 0, 0);
  const truth: TruthRequest[] = [];
  const sessionLengths: number[] = [];
  for (let s = 0; s < opts.sessions; s++) {
    // Session starts swell towards the middle of the window (rejection sampling on a sine).
    let start: number;
    do { start = r() * windowMs; } while (r() > 0.5 + 0.5 * Math.sin(Math.PI * (start / windowMs)));
    const bot = r() < (opts.botShare ?? 0.05);
    const client = s % 10 === 0 ? `2001:db8::${(s % 65536).toString(16)}` : `10.${(s >> 16) & 255}.${(s >> 8) & 255}.${s & 255}`;
    const ua = bot ? BOT : opts.userAgents ? pick(r, normalised(opts.userAgents)) : BROWSERS[Math.floor(r() * BROWSERS.length)]!;
    let ts = t0 + start;
    let state: State = bot ? '/products/:id' : pick(r, START);
    let n = 0;
    for (;;) {
      const { method, path } = realise(r, state);
      const status = r() < 0.01 ? 500 : r() < 0.02 ? 404 : r() < 0.03 && method === 'GET' ? 304 : 200;
      const bytes = status === 304 ? 0 : Math.round(MEAN_BYTES[state] * Math.exp(0.5 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())));
      const sizeField = status === 304 ? '-' : String(bytes);
      const refer = r() < 0.02 ? '"http://example.com/?q=\\"quoted\\""' : '"-"';
      const line = `${client} - - [${clfTime(ts)}] "${method} ${path} HTTP/1.1" ${status} ${sizeField} ${refer} "${ua}"`;
      truth.push({ ts: Math.floor(ts / 1000) * 1000, route: state, method, path, status, bytes, client, session: s, line });
      n++;
      const next: State | 'exit' = bot ? (r() < 0.7 && n < 5 ? '/products/:id' : 'exit') : pick(r, CHAIN[state]);
      if (next === 'exit') break;
      state = next;
      ts += Math.min(600_000, -Math.log(1 - r()) * 20_000);
    }
    sessionLengths.push(n);
  }
  truth.sort((a, b) => a.ts - b.ts);
  const lines: string[] = [];
  const malformed: number[] = [];
  const share = opts.malformedShare ?? 0.005;
  for (const t of truth) {
    if (r() < share) {
      lines.push(['garbage line without fields', '10.0.0.1 - - [32/Foo/2026:99:99:99 +0100] "GET / HTTP/1.1" 200 5', '10.0.0.1 - - [20/Nov/2026:11:00:00 +0100] "\\x16\\x03\\x01" 400 0 "-" "-"'][Math.floor(r() * 3)]!);
      malformed.push(lines.length);
    }
    lines.push(t.line);
  }
  return { lines, truth, sessionLengths, malformed };
}
