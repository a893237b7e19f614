import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * The demo's service: a small shop API whose routes cost different amounts
 * (service time), with a share of errors, as a real one has. The primary runs
 * it with no concurrency limit; the scalable secondary runs N copies with a
 * fixed concurrency each (`startWorkerPool`), so its capacity grows with
 * replicas and it saturates visibly when under-provisioned.
 */
export interface ShopRoute {
  method: string;
  /** Route template, as the sidecar's route inference would name it. */
  route: string;
  match: RegExp;
  /** Mean service time (ms) and its spread (uniform ±). */
  serviceMs: number;
  jitterMs: number;
  /** Share of requests answered with an error status. */
  errorRate: number;
  errorStatus: number;
  respond(path: string, body: Buffer, random: () => number): unknown;
}

export const SHOP_ROUTES: readonly ShopRoute[] = [
  { method: 'GET', route: '/products/:id', match: /^\/products\/(\d+)$/, serviceMs: 2, jitterMs: 1, errorRate: 0, errorStatus: 404,
    respond: (p) => { const id = Number(/\d+$/.exec(p)![0]); return id > 9_000 ? undefined : { id, name: `product ${id}`, price: (id % 97) + 0.99, stock: id % 13 }; } },
  { method: 'GET', route: '/search', match: /^\/search$/, serviceMs: 12, jitterMs: 6, errorRate: 0, errorStatus: 500,
    respond: (_p, _b, r) => ({ results: Array.from({ length: 10 + Math.floor(r() * 30) }, (_, i) => ({ id: i * 37, score: Math.round(r() * 1000) / 1000 })) }) },
  { method: 'GET', route: '/cart', match: /^\/cart$/, serviceMs: 3, jitterMs: 1, errorRate: 0, errorStatus: 500,
    respond: (_p, _b, r) => ({ items: Math.floor(r() * 5) }) },
  { method: 'POST', route: '/cart/items', match: /^\/cart\/items$/, serviceMs: 4, jitterMs: 2, errorRate: 0.01, errorStatus: 409,
    respond: (_p, b) => ({ added: true, bytes: b.length }) },
  { method: 'POST', route: '/checkout', match: /^\/checkout$/, serviceMs: 25, jitterMs: 10, errorRate: 0.02, errorStatus: 503,
    respond: (_p, b) => ({ order: `o-${b.length}`, ok: true }) },
];

export interface ShopOptions {
  name: string;
  /** Requests served at once; more wait in FIFO order (default: unlimited). */
  concurrency?: number;
  /** Waiting requests beyond this get 503 at once (default 200). */
  queueLimit?: number;
  /** Multiplies every service time (a slower build of the service: > 1). */
  costScale?: number;
  random?: () => number;
}

export interface ShopStats { served: number; rejected: number; active: number; queued: number; byRoute: Record<string, number> }

export interface ShopService { server: Server; stats(): ShopStats }

function send(res: ServerResponse, status: number, body: unknown, name: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-served-by': name });
  res.end(text);
}

export function createShopService(o: ShopOptions): ShopService {
  const random = o.random ?? Math.random;
  const concurrency = o.concurrency ?? Infinity;
  const queueLimit = o.queueLimit ?? 200;
  const scale = o.costScale ?? 1;
  const queue: Array<() => void> = [];
  const stats: ShopStats = { served: 0, rejected: 0, active: 0, queued: 0, byRoute: {} };

  const next = (): void => {
    stats.active--;
    const run = queue.shift();
    stats.queued = queue.length;
    if (run) run();
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/health') { send(res, 200, { ok: true, service: o.name }, o.name); return; }
    const route = SHOP_ROUTES.find((r) => r.method === req.method && r.match.test(path));
    if (!route) { send(res, 404, { error: 'not found' }, o.name); return; }
    const run = (): void => {
      stats.active++;
      const ms = Math.max(0.1, (route.serviceMs + (random() * 2 - 1) * route.jitterMs) * scale);
      let released = false;
      const release = (): void => { if (!released) { released = true; next(); } };
      const timer = setTimeout(() => {
        release();
        stats.served++;
        stats.byRoute[route.route] = (stats.byRoute[route.route] ?? 0) + 1;
        if (res.destroyed) return;
        if (route.errorRate > 0 && random() < route.errorRate) { send(res, route.errorStatus, { error: 'demo error', route: route.route }, o.name); return; }
        const answer = route.respond(path, body, random);
        if (answer === undefined) send(res, 404, { error: 'no such item' }, o.name);
        else send(res, 200, answer, o.name);
      }, ms);
      // A client that went away frees its slot at once (as a real server's cancelled request would).
      res.on('close', () => { clearTimeout(timer); release(); });
    };
    if (stats.active < concurrency) run();
    else if (queue.length < queueLimit) { queue.push(run); stats.queued = queue.length; }
    else { stats.rejected++; send(res, 503, { error: 'overloaded', service: o.name }, o.name); }
  };

  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => { size += c.length; if (size <= 1 << 20) chunks.push(c); });
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  return { server, stats: () => ({ ...stats, byRoute: { ...stats.byRoute } }) };
}
