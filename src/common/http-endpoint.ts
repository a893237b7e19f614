import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatHostPort, isLoopback, parseHostPort } from './address.js';
import { errorBody, ShadowtwinError } from './errors.js';
import type { ErrorCode } from './error-codes.js';
import { tokenMatches } from './hash.js';

/** What a handler answers: a status, a body (string or a value sent as JSON) and its content type. */
export interface EndpointAnswer { status?: number; body: string | unknown; type?: string; headers?: Record<string, string> }

export type EndpointHandler = (req: IncomingMessage, res: ServerResponse) => Promise<EndpointAnswer | undefined> | EndpointAnswer | undefined;

export interface EndpointOptions {
  /** What this server is, for messages and the auth realm ("admin", "generator metrics", "scaler metrics"). */
  name: string;
  /** The flag or config key that set the address, for messages (e.g. "--metrics-listen"). */
  setting: string;
  /** host:port, e.g. 127.0.0.1:9465 (port 0 for any). */
  listen: string;
  /** Bearer token; required unless the address is loopback. */
  token?: string;
  /** How a user sets the token, for the refusal message (e.g. "--metrics-token or SHADOWTWIN_METRICS_TOKEN"). */
  tokenHint: string;
  /** "METHOD /path" → handler. A handler returning undefined has answered itself. */
  routes: Record<string, EndpointHandler>;
  /** Routes ("METHOD /path") answered without the token (a load balancer's health check). */
  open?: readonly string[];
}

export interface HttpEndpoint { url: string; server: Server; close(): Promise<void> }

const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

/** Sends a whole answer with its length, never cached. */
export function sendAnswer(res: ServerResponse, status: number, body: string, type = 'application/json', headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

/** Sends an error body from the registry: `{"error":{"code","message"}}` with the code's HTTP status. */
export function sendErrorAnswer(res: ServerResponse, status: number, code: ErrorCode, message: string): void {
  sendAnswer(res, status, errorBody(code, message), 'application/json', { 'x-shadowtwin-error': code });
}

/** A request body over the reader's limit (it was drained, not buffered). */
export class BodyTooLargeError extends Error {}

/**
 * Reads a small request body. An oversized one is drained (not buffered)
 * and then refused with BodyTooLargeError, so the client reads the 413
 * instead of a connection reset; past 1024 × the limit the connection is cut.
 */
export function readSmallBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        chunks.length = 0;
        if (size > 1024 * max) req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => (size > max ? reject(new BodyTooLargeError(`the request body is over ${max} bytes`)) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/** Whether the request carries the bearer token (constant-time compare); always true without a token. */
export function bearerAllowed(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = BEARER.exec(req.headers.authorization ?? '')?.[1] ?? '';
  return given !== '' && tokenMatches(given, token);
}

/** Checks an endpoint address before anything listens: host:port, and a token off loopback. */
export function checkEndpointAddress(o: Pick<EndpointOptions, 'setting' | 'listen' | 'token' | 'tokenHint'>): { host: string; port: number } {
  const hp = parseHostPort(o.listen);
  if (!hp) throw new ShadowtwinError('ST_ERR_USAGE', `${o.setting} ${o.listen}: give host:port, e.g. 127.0.0.1:9465`);
  if (o.token !== undefined && (o.token.trim().length < 16 || /\s/.test(o.token))) {
    throw new ShadowtwinError('ST_ERR_USAGE', `${o.setting}: the token (${o.tokenHint}) must be at least 16 characters with no spaces (e.g. openssl rand -hex 24): a short one can be guessed, one of spaces locks everyone out`);
  }
  if (!isLoopback(hp.host) && !o.token) {
    throw new ShadowtwinError('ST_ERR_USAGE', `${o.setting} ${o.listen} is not a loopback address: set ${o.tokenHint} so every request needs "Authorization: Bearer <token>", or listen on 127.0.0.1`);
  }
  return hp;
}

/**
 * A small authenticated HTTP server (the sidecar's admin port, a generator's
 * and the scaler's metrics): loopback unless a token is set, the bearer token
 * on every route when set, JSON errors from the registry (401, 404, 500),
 * a clear ST_ERR_LISTEN_FAILED when the address cannot be bound.
 */
export async function startEndpoint(o: EndpointOptions): Promise<HttpEndpoint> {
  const hp = checkEndpointAddress(o);
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    void answer(req, res).catch((err: Error) => {
      if (res.headersSent) { res.destroy(); return; }
      if (err instanceof ShadowtwinError) sendErrorAnswer(res, err.httpStatus, err.code, err.message);
      else sendErrorAnswer(res, 500, 'ST_ERR_INTERNAL', err.message);
    });
  });
  const paths = Object.keys(o.routes).map((k) => k.split(' ')[1]).filter((p, i, a) => a.indexOf(p) === i);
  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const key = `${req.method ?? 'GET'} ${(req.url ?? '/').split('?')[0]}`;
    if (!o.open?.includes(key) && !bearerAllowed(req, o.token)) {
      res.setHeader('www-authenticate', `Bearer realm="shadowtwin-${o.name.replace(/\W+/g, '-')}"`);
      sendErrorAnswer(res, 401, 'ST_ERR_ADMIN_UNAUTHORIZED', `the ${o.name} endpoint needs "Authorization: Bearer <token>"`);
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    const handler = o.routes[`${req.method ?? 'GET'} ${path}`];
    if (!handler) {
      sendErrorAnswer(res, 404, 'ST_ERR_ADMIN_NOT_FOUND', `no endpoint ${req.method} ${path} on the ${o.name} server; try ${paths.join(', ')}`);
      return;
    }
    const a = await handler(req, res);
    if (a === undefined) return;
    const text = typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
    sendAnswer(res, a.status ?? 200, text, a.type ?? 'application/json', a.headers);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new ShadowtwinError('ST_ERR_LISTEN_FAILED',
      `${o.setting} ${o.listen}: cannot listen (${err.code ?? err.message}${err.code === 'EADDRINUSE' ? ': the port is in use' : err.code === 'EADDRNOTAVAIL' ? ': the address is not on this host' : err.code === 'EACCES' ? ': no permission for that port' : ''}); choose a free port on a local address`, { cause: err })));
    server.listen(hp.port, hp.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${formatHostPort({ host: hp.host, port })}`,
    server,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
