import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { bearerAllowed, BodyTooLargeError, httpOrigin, readSmallBody, sendAnswer as send, sendErrorAnswer as sendError, ShadowtwinError } from '../common/index.js';

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

/**
 * The same rules as --primary on the command line (http(s), no path, query
 * or credentials), and: no unknown keys, no host twice (it would get double
 * weight), and never empty by accident: an empty set answers every request
 * 503, so it needs `{"primary": [], "allowEmpty": true}`.
 */
function validOrigins(value: unknown): string[] | string {
  let list: unknown;
  let allowEmpty = false;
  if (Array.isArray(value)) {
    list = value;
  } else if (value !== null && typeof value === 'object') {
    const unknown = Object.keys(value).filter((k) => k !== 'primary' && k !== 'allowEmpty');
    if (unknown.length > 0) return `unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; the body is [URL, ...] or {"primary": [URL, ...], "allowEmpty": true|false}`;
    const o = value as { primary?: unknown; allowEmpty?: unknown };
    if (o.allowEmpty !== undefined && typeof o.allowEmpty !== 'boolean') return 'allowEmpty must be true or false';
    allowEmpty = o.allowEmpty === true;
    list = o.primary;
  }
  if (!Array.isArray(list)) return 'body must be a JSON array of URLs or {"primary": [URL, ...]}';
  if (list.length === 0 && !allowEmpty) return 'an empty membership set answers every request 503 (ST_ERR_PROXY_NO_UPSTREAM); to empty it on purpose send {"primary": [], "allowEmpty": true}';
  const out: string[] = [];
  for (const [i, v] of list.entries()) {
    if (typeof v !== 'string') return `primary[${i}] must be a string URL`;
    const parsed = httpOrigin.safeParse(v);
    if (!parsed.success) return `primary[${i}]: ${parsed.error.issues[0]?.message ?? 'not a URL'}`;
    const at = out.indexOf(parsed.data);
    if (at >= 0) return `primary[${i}] (${v}) is the same host as primary[${at}] (${parsed.data}); list each host once (a duplicate would take twice the traffic)`;
    out.push(parsed.data);
  }
  return out;
}

/**
 * The admin port: metrics, health, redacted config, membership, histogram
 * dumps. Binds to loopback unless configured otherwise (config validation
 * then requires a token); every endpoint needs the bearer token when one is
 * set. Auth and error answers are the shared ones (common/http-endpoint.ts);
 * not `startEndpoint` itself, because the sidecar binds this server with its
 * own start-up (listen errors name admin.listen) and PUT /membership reads a
 * bounded body.
 */
export function createAdminServer(routes: AdminRoutes, token: string | undefined): Server {
  return createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    void handle(req, res).catch((err: Error) => {
      if (res.headersSent) return;
      if (err instanceof ShadowtwinError) sendError(res, err.httpStatus, err.code, err.message);
      else sendError(res, 500, 'ST_ERR_INTERNAL', err.message);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!bearerAllowed(req, token)) {
      res.setHeader('www-authenticate', 'Bearer realm="shadowtwin-admin"');
      sendError(res, 401, 'ST_ERR_ADMIN_UNAUTHORIZED', 'send "Authorization: Bearer <admin token>"');
      return;
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
        parsed = JSON.parse(await readSmallBody(req, MAX_ADMIN_BODY));
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          res.setHeader('connection', 'close');
          sendError(res, 413, 'ST_ERR_ADMIN_BODY_TOO_LARGE', `body over ${MAX_ADMIN_BODY} bytes; send only the list of primary URLs`);
          return;
        }
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
