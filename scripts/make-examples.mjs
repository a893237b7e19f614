#!/usr/bin/env node
// Regenerates the synthetic sample inputs in examples/ deterministically (same
// bytes on every run): node scripts/make-examples.mjs
// rate.csv and counts-per-5min.csv are an excerpt of real data (see examples/README.md), copied from
// ../shared/data when that directory exists; the rest is synthesised here.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples');
// Another directory as the first argument: a test regenerates there and compares.
const OUT = process.argv[2] ?? EXAMPLES;

/** mulberry32: a small seeded PRNG, so every file is reproducible. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pseudonym = (s) => createHmac('sha256', 'examples').update(s).digest('hex').slice(0, 16);

// The sample upstream's routes (src/demo/sample-upstream.ts), so generated load gets 200s.
const ROUTES = [
  { method: 'GET', route: '/users/:id', path: (r) => `/users/${1 + Math.floor(r() * 500)}`, weight: 0.4, res: 60, ms: 4 },
  { method: 'GET', route: '/users/:id/orders', path: (r) => `/users/${1 + Math.floor(r() * 500)}/orders`, weight: 0.2, res: 600, ms: 12 },
  { method: 'GET', route: '/products', path: () => '/products', weight: 0.25, res: 900, ms: 8, query: ['page'] },
  { method: 'POST', route: '/checkout', path: () => '/checkout', weight: 0.1, res: 40, req: 350, ms: 35 },
  { method: 'GET', route: '/health', path: () => '/health', weight: 0.05, res: 30, ms: 1 },
];
const AGENTS = [['chrome', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'], ['firefox', 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'], ['safari', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15'], ['curl', 'curl/8.5.0']];

function pick(r, list) {
  let x = r() * list.reduce((s, e) => s + e.weight, 0);
  for (const e of list) if ((x -= e.weight) < 0) return e;
  return list[list.length - 1];
}
/** Requests per minute over a day: quiet nights, a busy afternoon. */
const perMinute = (t, mean) => mean * (1 + 0.8 * Math.sin(((t / 3_600_000 - 8) / 24) * 2 * Math.PI));
const lognormal = (r, median) => median * Math.exp(0.6 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));

/** Arrivals (epoch ms), a Poisson process following perMinute, with client and session keys. */
function arrivals(seed, start, days, mean) {
  const r = rng(seed);
  const out = [];
  const end = start + days * 86_400_000;
  let t = start;
  const sessions = new Map();
  while (t < end) {
    const rate = perMinute(t, mean) / 60_000;
    t += -Math.log(1 - r()) / Math.max(rate, 1e-6);
    if (t >= end) break;
    const client = Math.floor(r() * 200);
    const last = sessions.get(client);
    const session = last && t - last.t < 1_800_000 ? last.id : `${client}-${Math.floor(t)}`;
    sessions.set(client, { t, id: session });
    out.push({ t: Math.floor(t), client, session, r });
  }
  return out;
}

function capture() {
  const start = Date.UTC(2026, 10, 23);
  const lines = [JSON.stringify({ shadowtwin: 'capture', version: 1, created: new Date(start).toISOString(), mode: 'meta', source: 'sidecar', tool: 'shadowtwin/0.1.0' })];
  for (const a of arrivals(1, start, 2, 0.8)) {
    const r = a.r;
    const route = pick(r, ROUTES);
    const status = r() < 0.01 ? 503 : route.route === '/users/:id' && r() < 0.03 ? 404 : 200;
    const ua = AGENTS[Math.floor(r() * r() * AGENTS.length)];
    lines.push(JSON.stringify({
      ts: a.t, durationMs: Math.round(lognormal(r, route.ms) * 100) / 100, method: route.method, path: route.path(r), route: route.route,
      queryKeys: route.query && r() < 0.5 ? route.query : [], status, reqBytes: route.req ? Math.round(lognormal(r, route.req)) : 0,
      resBytes: Math.round(lognormal(r, route.res)), ...(route.req ? { contentType: 'application/json' } : {}), protocol: 'http1',
      client: pseudonym(`c${a.client}`), session: pseudonym(`s${a.session}`), userAgent: ua[0], geo: ['DE', 'FR', 'US', 'GB'][a.client % 4],
    }));
  }
  writeFileSync(join(OUT, 'capture.ndjson'), lines.join('\n') + '\n');
  return lines.length - 1;
}

function accessLog() {
  const start = Date.UTC(2026, 10, 24);
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n) => String(n).padStart(2, '0');
  const lines = [];
  for (const a of arrivals(2, start, 1, 2)) {
    const r = a.r;
    const route = pick(r, ROUTES);
    const d = new Date(a.t);
    const time = `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
    const path = route.path(r) + (route.query && r() < 0.5 ? `?page=${1 + Math.floor(r() * 5)}` : '');
    const status = r() < 0.01 ? 502 : 200;
    lines.push(`10.0.${a.client >> 8}.${a.client & 255} - - [${time}] "${route.method} ${path} HTTP/1.1" ${status} ${Math.round(lognormal(r, route.res))} "-" "${AGENTS[a.client % AGENTS.length][1]}"`);
  }
  writeFileSync(join(OUT, 'access.log.gz'), gzipSync(lines.join('\n') + '\n', { level: 9 }));
  return lines.length;
}

function costSamples() {
  const r = rng(3);
  const lines = [];
  // Two hours, one line a minute: CPU cores ≈ 0.2 + per-route cost × rate, with noise.
  for (let i = 0; i < 120; i++) {
    const load = 1 + 0.6 * Math.sin(i / 19);
    const rates = { 'GET /users/:id': 40 * load * (0.8 + 0.4 * r()), 'GET /products': 25 * load * (0.8 + 0.4 * r()), 'POST /checkout': 6 * load * (0.5 + r()) };
    const resource = 0.2 + 0.004 * rates['GET /users/:id'] + 0.006 * rates['GET /products'] + 0.05 * rates['POST /checkout'] + 0.02 * (r() - 0.5);
    const round = (x) => Math.round(x * 1000) / 1000;
    lines.push(JSON.stringify({ rates: Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, round(v)])), resource: round(resource) }));
  }
  writeFileSync(join(OUT, 'cost-samples.ndjson'), lines.join('\n') + '\n');
}

function rateCsv() {
  const src = join(EXAMPLES, '..', '..', 'shared', 'data', 'twitter_volume_goog_5min.csv');
  if (!existsSync(src)) {
    if (OUT !== EXAMPLES || (existsSync(join(OUT, 'rate.csv')) && existsSync(join(OUT, 'counts-per-5min.csv')))) return 'not written (no ../shared/data)';
    throw new Error(`${src} is missing: rate.csv is an excerpt of it`);
  }
  const rows = readFileSync(src, 'utf8').trim().split('\n');
  // Header, then three weeks (6,048 five-minute rows) from 2015-03-09, as
  // published (counts per 5 minutes); rate.csv reads the same numbers as
  // requests per second (a service of 5–200 req/s shaped like the series).
  const first = rows.findIndex((l) => l.startsWith('2015-03-09 00:'));
  const excerpt = [rows[0], ...rows.slice(first, first + 6048)].join('\n') + '\n';
  writeFileSync(join(OUT, 'counts-per-5min.csv'), excerpt);
  writeFileSync(join(OUT, 'rate.csv'), excerpt);
  return 'written';
}

const n = capture();
const m = accessLog();
costSamples();
const csv = rateCsv();
console.log(`${OUT}: capture.ndjson ${n} records, access.log.gz ${m} lines, cost-samples.ndjson 120 lines, rate.csv and counts-per-5min.csv ${csv}`);
