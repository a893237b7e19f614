import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { errorBody, tokenMatches, type ErrorCode } from '../common/index.js';

export interface AdminRoutes {
  registry: Registry;
  ready(): boolean;
  config(): unknown;
  membership(): unknown;
  setMembership(origins: string[]): Promise<unknown>;
  histograms(): unknown;
  stats(): unknown;
}

const MAX_ADMIN_BODY = 64 * 1024;

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, code: ErrorCode, message: string): void {
  send(res, status, errorBody(code, message));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_ADMIN_BODY) {
        reject(new Error(`body over ${MAX_ADMIN_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function validOrigins(value: unknown): string[] | string {
  const list = Array.isArray(value) ? value : (value as { primary?: unknown })?.primary;
  if (!Array.isArray(list)) return 'body must be a JSON array of URLs or {"primary": [URL, ...]}';
  const out: string[] = [];
  for (const [i, v] of list.entries()) {
    if (typeof v !== 'string') return `primary[${i}] must be a string URL`;
    try {
      const u = new URL(v);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return `primary[${i}] (${v}) must be http:// or https://`;
      out.push(u.origin);
    } catch {
      return `primary[${i}] (${v}) is not a URL; write e.g. http://10.0.0.5:8080`;
    }
  }
  return out;
}

/**
 * The admin port: metrics, health, redacted config, membership, histogram
 * dumps. Binds to loopback unless configured otherwise (config validation
 * then requires a token); every endpoint needs the bearer token when one is set.
 */
export function createAdminServer(routes: AdminRoutes, token: string | undefined): Server {
  return createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    void handle(req, res).catch((err: Error) => sendError(res, 500, 'ST_ERR_INTERNAL', err.message));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (token !== undefined) {
      const auth = req.headers.authorization ?? '';
      const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      if (!given || !tokenMatches(given, token)) {
        res.setHeader('www-authenticate', 'Bearer realm="shadowtwin-admin"');
        sendError(res, 401, 'ST_ERR_ADMIN_UNAUTHORIZED', 'send "Authorization: Bearer <admin token>"');
        return;
      }
    }
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/metrics') {
      send(res, 200, await routes.registry.metrics(), routes.registry.contentType);
    } else if (method === 'GET' && path === '/healthz') {
      send(res, 200, JSON.stringify({ status: 'ok' }));
    } else if (method === 'GET' && path === '/readyz') {
      const ready = routes.ready();
      send(res, ready ? 200 : 503, JSON.stringify({ status: ready ? 'ready' : 'not ready' }));
    } else if (method === 'GET' && path === '/config') {
      send(res, 200, JSON.stringify(routes.config(), null, 2));
    } else if (method === 'GET' && path === '/membership') {
      send(res, 200, JSON.stringify({ primary: routes.membership() }));
    } else if (method === 'PUT' && path === '/membership') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readBody(req));
      } catch (err) {
        sendError(res, 400, 'ST_ERR_ADMIN_BAD_REQUEST', `body is not JSON: ${(err as Error).message}`);
        return;
      }
      const origins = validOrigins(parsed);
      if (typeof origins === 'string') {
        sendError(res, 400, 'ST_ERR_ADMIN_BAD_REQUEST', origins);
        return;
      }
      send(res, 200, JSON.stringify({ primary: await routes.setMembership(origins) }));
    } else if (method === 'GET' && path === '/histograms') {
      send(res, 200, JSON.stringify(routes.histograms()));
    } else if (method === 'GET' && path === '/stats') {
      send(res, 200, JSON.stringify(routes.stats()));
    } else {
      sendError(res, 404, 'ST_ERR_ADMIN_NOT_FOUND', `no endpoint ${method} ${path}; try /metrics, /healthz, /readyz, /config, /membership, /histograms, /stats`);
    }
  }
}
