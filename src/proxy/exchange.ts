import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { errorBody, LOAD_HEADER, neverSent, transportFailure, SHADOW_HEADER, ShadowtwinError, type ErrorCode, type Logger, type RouteNormalizer } from '../common/index.js';
import type { FaultDecision, FaultFilter } from './filters/fault.js';
import type { FilterChain } from './filters/filter.js';
import { forwardableRequestHeaders, forwardableResponseHeaders } from './hop-by-hop.js';
import type { HotTotals, ProxyMetrics } from './metrics.js';
import type { UpstreamMember, UpstreamSet } from './upstream-set.js';
import type { DeadlineEntry, DeadlineList } from './deadline-list.js';

/**
 * Set on a client socket by the server's clientError handler: the status and
 * code it answered with, so an exchange cut by the parser error records what
 * the client got rather than a client abort.
 */
export const CLIENT_ERROR = Symbol('shadowtwin client error');
export interface ClientErrorMark { status: number; code: ErrorCode }

/** Everything an exchange needs, built once per sidecar (never per request). */
export interface ProxyContext {
  upstreams: UpstreamSet;
  metrics: ProxyMetrics;
  /** Plain counters for the request path; prom-client reads them at scrape time. */
  totals: HotTotals;
  normalizer: RouteNormalizer;
  /** Decides first (it may refuse, delay or answer instead of forwarding); also in `filters` to free its slot. */
  faults: FaultFilter | undefined;
  /** The enabled filters' hooks (capture, mirror, fault), compiled once at startup. */
  filters: FilterChain;
  maxBodyBytes: number;
  /** upstream.responseTimeout to the millisecond (undefined when 0: off). */
  responseDeadlines: DeadlineList | undefined;
  /** upstream.bodyTimeout (idle time between response chunks, not counting our own pauses), to the millisecond. */
  bodyDeadlines: DeadlineList | undefined;
  log: Logger;
  /** Refuse shadowtwin-tagged traffic (role primary); a secondary's sidecar forwards it. */
  refuseTagged: boolean;
  draining: boolean;
  /** Exchanges in flight, so a drain timeout can answer and record each one it cuts. */
  live: Set<Exchange>;
  /** Resolves drain waiters when inFlight reaches 0. */
  onIdle: (() => void) | undefined;
  /** Label cap: routes beyond it are reported as `other`. */
  routeLabel(route: string): string;
  durationChild(route: string, method: string, status: number): { observe(v: number): void };
}

/** A client that went away before the response finished (nginx's 499). */
const CLIENT_CLOSED = 499;

class ClientAbortError extends Error {
  override readonly name = 'ClientAbortError';
  readonly code = 'ST_CLIENT_ABORTED';
}

/** Maps an undici/network error to our code, the HTTP status and whether the host failed. */
function classify(err: NodeJS.ErrnoException): { code: ErrorCode; status: number; hostFailure: boolean } {
  if (err instanceof ShadowtwinError) return { code: err.code, status: err.httpStatus, hostFailure: false };
  switch (transportFailure(err.code)) {
    case 'timeout':
    case 'connect_timeout':
      return { code: 'ST_ERR_PROXY_UPSTREAM_TIMEOUT', status: 504, hostFailure: true };
    // undici refused to build the request (a header value it will not send:
    // two Host headers, `Host: a b`, a body shorter than its length): the client's fault, nothing was sent.
    case 'bad_request':
      return { code: 'ST_ERR_PROXY_BAD_REQUEST', status: 400, hostFailure: false };
    case 'reset':
      return { code: 'ST_ERR_PROXY_UPSTREAM_RESET', status: 502, hostFailure: true };
    default:
      return { code: 'ST_ERR_PROXY_UPSTREAM_UNREACHABLE', status: 502, hostFailure: true };
  }
}

/** A character that cannot appear in a Host value (uri-host [":" port], RFC 3986 reg-name / IP-literal). */
const BAD_HOST = /[^A-Za-z0-9\-._~!$&'()*+,;=%:[\]]/;

/**
 * One client request and its upstream exchange. It is also the undici
 * dispatch handler, so forwarding allocates one object per request: response
 * bytes go straight from undici's parser to `res.write` with backpressure
 * (pause undici when the client is slow), the request body streams from the
 * client socket to undici. Exchange forwards; filters observe through the
 * hooks of `ctx.filters` (filters/filter.ts), reading the public fields
 * below. Capture, mirror and fault are side-channels: none can fail or
 * delay the primary exchange except a fault drill on purpose.
 */
export class Exchange implements Dispatcher.DispatchHandler, DeadlineEntry {
  dlPrev: DeadlineEntry | undefined = undefined;
  dlNext: DeadlineEntry | undefined = undefined;
  dlAt = 0;
  dlList: DeadlineList | undefined = undefined;
  private readonly ctx: ProxyContext;
  readonly req: IncomingMessage;
  private readonly res: ServerResponse;
  /** Arrival, epoch ms. */
  readonly ts = Date.now();
  private readonly t0 = performance.now();
  readonly method: string;
  /** Route template (uncapped; `label` is the capped one, set at finish). */
  readonly route: string;
  /** Read at arrival: after the client disconnects the socket no longer knows it. */
  readonly remoteAddress: string | undefined;
  private member: UpstreamMember | undefined;
  /** The header list sent to the primary (flat `[name, value, …]`), built before `onRequest`. */
  fwdHeaders: string[] = [];
  hasBody = false;
  private observed = false;
  reqBytes = 0;
  resBytes = 0;
  /** The status the client got (0 until known; 499 when it went away). */
  status = 0;
  /** The ST_* code the exchange ended with, if any. */
  error: string | undefined;
  fault: FaultDecision | undefined;
  /** Set at finish: the route label (capped at capture.maxRoutes) and arrival-to-end time. */
  label = '';
  durationMs = 0;
  // Slots owned by filters (per-request state without a per-request allocation of their own).
  /** Mirror filter: the body copied so far (undefined: not copying). */
  mirrorBody: Buffer[] | undefined = undefined;
  mirrorBytes = 0;
  /** Capture filter (full mode): the body kept so far, capped. */
  captureBody: Buffer[] | undefined = undefined;
  captureBytes = 0;
  captureTruncated = false;
  private abortUpstream: ((err?: Error) => void) | undefined;
  private resumeUpstream: (() => void) | undefined;
  /** Resumes undici after a pause and restarts the body idle deadline (made on the first pause only). */
  private resumeBody: (() => void) | undefined;
  private responding = false;
  private ended = false;
  private finished = false;
  private retried = false;
  private bytesPerMs = 0;
  /** Set when the request target cannot be forwarded (absolute-form naming another authority). */
  private refusal: { code: ErrorCode; message: string } | undefined;

  constructor(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse) {
    this.ctx = ctx;
    this.req = req;
    this.res = res;
    this.method = req.method ?? 'GET';
    const url = req.url ?? '/';
    // Origin-form starts with '/'; anything else (absolute-form, '*') takes the slow path.
    if (url.charCodeAt(0) !== 47 && url !== '*') this.refusal = toOriginForm(req);
    this.route = ctx.normalizer.normalize(req.url ?? '/');
    this.remoteAddress = req.socket.remoteAddress;
  }

  start(): void {
    this.ctx.totals.inFlight++;
    this.ctx.live.add(this);
    this.res.on('close', this.onResponseClose);
    if (this.ctx.draining) {
      // Arrived on a keep-alive connection after SIGTERM: not forwarded, so the drain ends.
      this.reject('ST_ERR_PROXY_SHUTTING_DOWN', 'the sidecar is shutting down and takes no new requests; retry on another instance');
      return;
    }
    if (this.refusal) {
      this.reject(this.refusal.code, this.refusal.message);
      return;
    }

    const h = this.req.headers;
    if (this.ctx.refuseTagged && (h[SHADOW_HEADER] !== undefined || h[LOAD_HEADER] !== undefined)) {
      // Our own shadow copy or generated load aimed at a sidecar: forwarding would hit the primary again.
      this.ctx.metrics.clientErrors.labels('loop').inc();
      this.reject('ST_ERR_SAFETY_LOOP_DETECTED', `this request carries ${h[SHADOW_HEADER] !== undefined ? `${SHADOW_HEADER} (a shadow copy)` : `${LOAD_HEADER} (generated load)`} and reached a sidecar's data port; it was not forwarded to the primary: point --secondary or the generator's target at the candidate service (or its sidecar, started with --role secondary), not at a primary's sidecar`);
      return;
    }
    const host = h.host;
    if (host !== undefined && BAD_HOST.test(host)) {
      // RFC 9112 §3.2: a Host that is not a valid authority gets a 400 (undici would refuse it anyway).
      this.reject('ST_ERR_PROXY_BAD_REQUEST', 'the Host header is not a valid host[:port]; the request was not forwarded');
      return;
    }
    const cl = h['content-length'];
    this.hasBody = h['transfer-encoding'] !== undefined || (cl !== undefined && cl !== '0');
    this.reqBytes = cl !== undefined ? Number(cl) || 0 : 0;
    const ctx = this.ctx;
    if (ctx.maxBodyBytes > 0 && this.reqBytes > ctx.maxBodyBytes) {
      this.reject('ST_ERR_PROXY_BODY_TOO_LARGE', `request body of ${this.reqBytes} bytes exceeds server.maxBodyBytes (${ctx.maxBodyBytes})`);
      return;
    }

    if (ctx.faults) {
      this.fault = ctx.faults.decide(this.route, this.method, this.req.url ?? '/', h);
      if (this.fault?.invalid !== undefined) {
        const message = `${this.fault.invalid}; the request was not forwarded`;
        this.fault = undefined;
        this.reject('ST_ERR_PROXY_FAULT_HEADER_INVALID', message);
        return;
      }
      if (this.fault) {
        ctx.metrics.faultsInjected.labels(this.fault.label).inc();
        if (this.fault.rateLimitBytesPerSec) this.bytesPerMs = this.fault.rateLimitBytesPerSec / 1000;
        if (this.fault.delayMs) {
          const t = setTimeout(() => this.proceed(), this.fault.delayMs);
          this.res.once('close', () => clearTimeout(t));
          return;
        }
      }
    }
    this.proceed();
  }

  private proceed(): void {
    if (this.finished || this.res.destroyed) return;
    if (this.fault?.abortStatus !== undefined) {
      this.respondError(this.fault.abortStatus, 'ST_ERR_PROXY_FAULT_ABORT', 'fault injected by a drill (abort)');
      return;
    }
    const req = this.req;
    this.fwdHeaders = forwardableRequestHeaders(req.rawHeaders);
    const xff = req.headers['x-forwarded-for'];
    const remote = this.remoteAddress ?? '';
    if (xff === undefined) this.fwdHeaders.push('x-forwarded-for', remote);
    else this.replaceHeader('x-forwarded-for', `${xff}, ${remote}`);
    if (!req.headers['x-forwarded-proto']) this.fwdHeaders.push('x-forwarded-proto', 'encrypted' in req.socket ? 'https' : 'http');
    if (!req.headers['x-forwarded-host'] && req.headers.host) this.fwdHeaders.push('x-forwarded-host', req.headers.host);

    let wantsBody = false;
    const hooks = this.ctx.filters.request;
    for (let i = 0; i < hooks.length; i++) if (hooks[i]!.onRequest!(this)) wantsBody = true;
    this.observed = this.hasBody && (wantsBody || this.ctx.maxBodyBytes > 0 || req.headers['content-length'] === undefined);
    if (this.observed) this.reqBytes = 0; // counted exactly as it streams
    this.dispatch();
  }

  /** Replaces every occurrence of a header the client sent (only called when it did). */
  private replaceHeader(name: string, value: string): void {
    const h = this.fwdHeaders;
    let done = false;
    for (let i = 0; i < h.length; i += 2) {
      if (h[i]!.length === name.length && h[i]!.toLowerCase() === name) {
        if (done) { h.splice(i, 2); i -= 2; continue; }
        h[i + 1] = value;
        done = true;
      }
    }
  }

  private dispatch(exclude?: UpstreamMember): void {
    const member = this.ctx.upstreams.pick(exclude);
    if (!member) {
      this.respondError(503, 'ST_ERR_PROXY_NO_UPSTREAM', 'no primary host in the membership set; add one with PUT /membership');
      return;
    }
    this.member = member;
    // Dispatched in the arrival tick (the usual case): arrival time is "now" and saves a clock read.
    this.ctx.responseDeadlines?.add(this, this.retried || this.fault?.delayMs ? performance.now() : this.t0);
    // undici accepts async iterables as bodies; its types only list Readable.
    const body = !this.hasBody ? null : this.observed ? (observeBody(this.req, this) as unknown as Dispatcher.DispatchOptions['body']) : this.req;
    member.pool.dispatch({
      path: this.req.url ?? '/',
      method: this.method as Dispatcher.HttpMethod,
      headers: this.fwdHeaders,
      body,
    }, this);
  }

  // ---- request body observation (only when someone needs the bytes) ----

  onRequestChunk(chunk: Buffer): void {
    this.reqBytes += chunk.length;
    const max = this.ctx.maxBodyBytes;
    if (max > 0 && this.reqBytes > max) {
      throw new ShadowtwinError('ST_ERR_PROXY_BODY_TOO_LARGE', `request body exceeds server.maxBodyBytes (${max})`);
    }
    const hooks = this.ctx.filters.body;
    for (let i = 0; i < hooks.length; i++) hooks[i]!.onRequestBody!(this, chunk);
  }

  onRequestEnd(): void {
    const hooks = this.ctx.filters.body;
    for (let i = 0; i < hooks.length; i++) hooks[i]!.onRequestBody!(this, null);
  }

  // ---- undici dispatch handler ----

  onConnect(abort: (err?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.res.destroyed || this.finished) abort(new ClientAbortError('client closed the connection'));
  }

  /** upstream.responseTimeout passed without response headers, or upstream.bodyTimeout without a body chunk. */
  onDeadline(): void {
    if (this.finished) return;
    const err = this.responding
      ? Object.assign(new Error(`no response body data within upstream.bodyTimeout (${this.ctx.bodyDeadlines!.ms} ms)`), { code: 'UND_ERR_BODY_TIMEOUT' })
      : Object.assign(new Error(`no response headers within upstream.responseTimeout (${this.ctx.responseDeadlines!.ms} ms)`), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    const abort = this.abortUpstream;
    // Not yet on a connection (queued in the pool): answer now; onConnect aborts it later.
    if (abort) abort(err);
    else this.onError(err);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true; // 1xx informational: Node answers 100-continue itself
    this.dlList?.remove(this);
    this.status = statusCode;
    const upstreams = this.ctx.upstreams;
    if (statusCode >= 502 && statusCode <= 504) upstreams.reportFailure(this.member!);
    else upstreams.reportSuccess(this.member!);
    this.resumeUpstream = resume;
    const headers = forwardableResponseHeaders(rawHeaders);
    if (this.ctx.draining) headers.push('connection', 'close');
    try {
      this.responding = true;
      this.res.writeHead(statusCode, statusText || undefined, headers);
      this.ctx.bodyDeadlines?.add(this);
    } catch (err) {
      // The upstream sent a header Node refuses to send on; fail this request only.
      this.responding = false;
      this.abortUpstream?.(err as Error);
      return false;
    }
    const hooks = this.ctx.filters.response;
    for (let i = 0; i < hooks.length; i++) hooks[i]!.onResponse!(this);
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.resBytes += chunk.length;
    const ok = this.res.write(chunk);
    const body = this.ctx.bodyDeadlines;
    if (this.bytesPerMs > 0) {
      // Response bandwidth fault: pause undici for as long as this chunk "takes".
      body?.remove(this); // our pause is not the upstream's idleness
      const t = setTimeout(this.pausedResume(), chunk.length / this.bytesPerMs);
      t.unref();
      return false;
    }
    if (!ok) {
      body?.remove(this);
      this.res.once('drain', this.pausedResume());
    } else {
      body?.add(this);
    }
    return ok;
  }

  private pausedResume(): () => void {
    return (this.resumeBody ??= () => {
      if (this.finished) return;
      this.ctx.bodyDeadlines?.add(this);
      this.resumeUpstream!();
    });
  }

  onComplete(): void {
    this.ended = true;
    this.res.end();
    this.finish();
  }

  onError(err: Error): void {
    if (this.finished) return;
    this.dlList?.remove(this);
    const mark = (this.req.socket as { [CLIENT_ERROR]?: ClientErrorMark } | null)?.[CLIENT_ERROR];
    if (mark) {
      // The parser rejected the request (e.g. a bad chunk) and the server already answered it.
      this.status = mark.status;
      this.error = mark.code;
      this.finish();
      return;
    }
    if (this.res.destroyed || err instanceof ClientAbortError) {
      this.status = CLIENT_CLOSED;
      this.error = 'ST_CLIENT_ABORTED';
      this.finish();
      return;
    }
    const c = classify(err as NodeJS.ErrnoException);
    if (c.hostFailure && this.member) this.ctx.upstreams.reportFailure(this.member);
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!this.responding && !this.retried && !this.hasBody && neverSent(transportFailure(code)) && this.ctx.upstreams.size > 1) {
      // Nothing reached the upstream: one retry on another host is safe.
      this.retried = true;
      this.abortUpstream = undefined;
      this.dispatch(this.member);
      return;
    }
    this.ctx.metrics.upstreamErrors.labels(c.code).inc();
    if (!this.responding) {
      this.respondError(c.status, c.code, upstreamMessage(c.code, this.member?.origin, err));
    } else {
      // Headers already went out: all we can do is cut the connection.
      this.error = c.code;
      this.res.destroy(err);
      this.finish();
    }
  }

  // ---- completion ----

  private readonly onResponseClose = (): void => {
    if (this.ended) return;
    // The client went away first: stop the upstream exchange too.
    this.abortUpstream?.(new ClientAbortError('client closed the connection'));
    if (!this.abortUpstream && !this.finished) {
      const mark = (this.req.socket as { [CLIENT_ERROR]?: ClientErrorMark } | null)?.[CLIENT_ERROR];
      this.status = mark?.status ?? CLIENT_CLOSED;
      this.error = mark?.code ?? 'ST_CLIENT_ABORTED';
      this.finish();
    }
  };

  /**
   * The drain timeout passed with this exchange unfinished: a client still
   * waiting for headers gets a 503; one mid-response is cut (it got the
   * status already). Either way the record says ST_ERR_PROXY_SHUTTING_DOWN.
   */
  cutByDrain(): void {
    if (this.finished) return;
    const cut = new ClientAbortError('drain timeout');
    if (!this.responding && !this.res.headersSent) {
      this.res.setHeader('connection', 'close');
      this.respondError(503, 'ST_ERR_PROXY_SHUTTING_DOWN', 'the sidecar is shutting down and the primary did not answer within drainTimeout; retry on another instance');
      this.abortUpstream?.(cut);
      return;
    }
    this.error = 'ST_ERR_PROXY_SHUTTING_DOWN';
    this.finish();
    this.abortUpstream?.(cut);
    this.res.destroy();
  }

  /** Rejects before contacting any upstream; the request body (if any) is not read. */
  private reject(code: ErrorCode, message: string): void {
    this.res.setHeader('connection', 'close');
    this.respondError(new ShadowtwinError(code, message).httpStatus, code, message);
  }

  private respondError(status: number, code: ErrorCode, message: string): void {
    this.status = status;
    this.error = code;
    this.ended = true;
    const body = errorBody(code, message);
    if (!this.res.headersSent) {
      this.res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-shadowtwin-error': code,
        ...(this.ctx.draining ? { connection: 'close' } : {}),
      });
    }
    this.res.end(body);
    this.resBytes = Buffer.byteLength(body);
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.dlList?.remove(this);
    this.ctx.live.delete(this);
    const ctx = this.ctx;
    const durationMs = (this.durationMs = performance.now() - this.t0);
    const label = (this.label = ctx.routeLabel(this.route));
    ctx.durationChild(label, this.method, this.status).observe(durationMs / 1000);
    ctx.totals.requestBytes += this.reqBytes;
    ctx.totals.responseBytes += this.resBytes;
    const hooks = ctx.filters.finish;
    for (let i = 0; i < hooks.length; i++) hooks[i]!.onFinish!(this);
    if (--ctx.totals.inFlight === 0 && ctx.onIdle) ctx.onIdle();
  }
}

function upstreamMessage(code: ErrorCode, origin: string | undefined, err: Error): string {
  const where = origin ?? 'the primary';
  switch (code) {
    case 'ST_ERR_PROXY_UPSTREAM_TIMEOUT': return `${where} did not answer in time (${err.message}); check the primary or raise upstream timeouts`;
    case 'ST_ERR_PROXY_UPSTREAM_RESET': return `${where} closed the connection (${err.message})`;
    case 'ST_ERR_PROXY_BAD_REQUEST': return (err as NodeJS.ErrnoException).code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH'
      ? `the request body did not match its content-length (${err.message})`
      : `the request cannot be forwarded as sent (${err.message}); it was not sent to the primary`;
    case 'ST_ERR_PROXY_BODY_TOO_LARGE': return err.message;
    default: return `${where} is unreachable (${(err as NodeJS.ErrnoException).code ?? err.message}); check that it is running`;
  }
}

/**
 * RFC 9112 §3.2.2: an absolute-form target is turned into origin-form toward
 * the primary, with Host set to its authority, when that authority is the
 * one the client named in Host (or it sent none). A target naming another
 * authority, or not http(s), is refused: the sidecar forwards only to the
 * primary and is not an open forward proxy.
 */
function toOriginForm(req: IncomingMessage): { code: ErrorCode; message: string } | undefined {
  const target = req.url ?? '';
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    req.url = '/';
    return { code: 'ST_ERR_PROXY_BAD_REQUEST', message: 'the request target is neither origin-form (/path) nor an absolute URL; it was not forwarded' };
  }
  // Captures and routes always see the path, never a full URL (which may carry credentials).
  req.url = u.pathname + u.search;
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return { code: 'ST_ERR_PROXY_BAD_REQUEST', message: `the request target's scheme ${u.protocol} is not http or https; it was not forwarded` };
  }
  const host = req.headers.host;
  if (host !== undefined) {
    let given: string;
    try {
      given = new URL(`${u.protocol}//${host}`).host;
    } catch {
      given = host.toLowerCase();
    }
    if (given !== u.host) {
      return { code: 'ST_ERR_PROXY_FOREIGN_AUTHORITY', message: `the request target names ${u.host} but Host is ${host}; this sidecar forwards only to its primary: send origin-form (GET /path) with Host` };
    }
  } else {
    req.headers.host = u.host;
    req.rawHeaders.push('Host', u.host);
  }
  return undefined;
}

/** Streams the client body to undici while the exchange counts and tees it. */
async function* observeBody(req: IncomingMessage, ex: Exchange): AsyncGenerator<Buffer> {
  for await (const chunk of req) {
    ex.onRequestChunk(chunk as Buffer);
    yield chunk as Buffer;
  }
  ex.onRequestEnd();
}
