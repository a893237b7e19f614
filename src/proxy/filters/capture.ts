import type { IncomingHttpHeaders } from 'node:http';
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import {
  createRedactor, pseudonym, queryKeys, redactPath, userAgentFamily,
  type Redactor, type RequestRecord, type SidecarConfig,
} from '../../common/index.js';
import type { CaptureWriter } from '../capture-writer.js';
import type { Exchange } from '../exchange.js';
import type { WindowAggregator } from '../window-aggregator.js';
import type { ProxyFilter } from './filter.js';

/** What the forwarder knows about a finished exchange. */
export interface FinishedExchange {
  ts: number;
  durationMs: number;
  method: string;
  path: string;
  route: string;
  status: number;
  reqBytes: number;
  resBytes: number;
  headers: IncomingHttpHeaders;
  remoteAddress: string | undefined;
  error: string | undefined;
  fault: string | undefined;
  /** Captured request body chunks (full mode only), capped. */
  body: Buffer[] | undefined;
  bodyTruncated: boolean;
}

/** Small bounded memo for pseudonyms: clients and sessions repeat a lot, HMAC is not free. */
class PseudonymCache {
  private readonly map = new Map<string, string>();
  constructor(private readonly salt: string, private readonly max = 50_000) {}
  get(value: string): string {
    let v = this.map.get(value);
    if (v === undefined) {
      v = pseudonym(value, this.salt);
      if (this.map.size >= this.max) this.map.clear();
      this.map.set(value, v);
    }
    return v;
  }
}

function cookieValue(cookie: string | undefined, name: string): string | undefined {
  if (!cookie) return undefined;
  const at = cookie.indexOf(name + '=');
  if (at < 0) return undefined;
  if (at > 0 && cookie[at - 1] !== ' ' && cookie[at - 1] !== ';') return cookieValue(cookie.slice(at + name.length), name);
  const start = at + name.length + 1;
  const end = cookie.indexOf(';', start);
  return cookie.slice(start, end < 0 ? undefined : end);
}

/**
 * Capture: turns each finished exchange into window stats always (with the
 * ST_* code it ended with), and into a full `RequestRecord` only when
 * someone consumes records (the capture file or a `record` listener, e.g.
 * live telemetry). In full mode it also keeps the first `maxBodyBytes` of
 * request bodies, only while someone consumes records. Secrets are redacted
 * here, before a record leaves the process in any form.
 */
export class CaptureFilter extends EventEmitter<{ record: [RequestRecord] }> implements ProxyFilter {
  readonly mode: 'meta' | 'full';
  readonly maxBodyBytes: number;
  private readonly cfg: SidecarConfig['capture'];
  private readonly aggregator: WindowAggregator;
  private readonly writer: CaptureWriter | undefined;
  private readonly redactor: Redactor;
  private readonly pseudonyms: PseudonymCache;
  private readonly clientHeader: string | undefined;
  private readonly sessionHeader: string | undefined;
  private readonly geoHeader: string | undefined;
  /** Body hooks exist only in full mode, so a meta-mode chain never calls them. */
  readonly onRequest?: (ex: Exchange) => boolean;
  readonly onRequestBody?: (ex: Exchange, chunk: Buffer | null) => void;

  constructor(cfg: SidecarConfig['capture'], aggregator: WindowAggregator, writer: CaptureWriter | undefined) {
    super();
    this.cfg = cfg;
    this.mode = cfg.mode;
    this.maxBodyBytes = cfg.maxBodyBytes;
    this.aggregator = aggregator;
    this.writer = writer;
    const salt = cfg.salt ?? randomBytes(16).toString('hex');
    this.redactor = createRedactor({ headers: cfg.redactHeaders, bodyFields: cfg.redactBodyFields, defaults: cfg.redactDefaults, rawBodyTypes: cfg.rawBodyTypes, salt });
    this.pseudonyms = new PseudonymCache(salt);
    this.clientHeader = cfg.clientHeader?.toLowerCase();
    this.sessionHeader = cfg.sessionHeader?.toLowerCase();
    this.geoHeader = cfg.geoHeader?.toLowerCase();
    if (this.mode === 'full') {
      this.onRequest = (ex) => {
        if (!ex.hasBody || !this.wantsBodies) return false;
        ex.captureBody = [];
        return true;
      };
      this.onRequestBody = (ex, chunk) => {
        if (ex.captureBody === undefined || ex.captureTruncated || chunk === null) return;
        const room = this.maxBodyBytes - ex.captureBytes;
        if (chunk.length > room) {
          if (room > 0) ex.captureBody.push(chunk.subarray(0, room));
          ex.captureBytes += Math.max(0, room);
          ex.captureTruncated = true;
        } else {
          ex.captureBody.push(chunk);
          ex.captureBytes += chunk.length;
        }
      };
    }
  }

  /** True when request bodies must be observed for capture. */
  get wantsBodies(): boolean {
    return this.mode === 'full' && (this.writer !== undefined || this.listenerCount('record') > 0);
  }

  onFinish(ex: Exchange): void {
    this.aggregator.record(ex.label, ex.method, ex.status, ex.durationMs, ex.reqBytes, ex.resBytes, ex.error);
    if (this.writer === undefined && this.listenerCount('record') === 0) return;
    this.complete({
      ts: ex.ts,
      durationMs: ex.durationMs,
      method: ex.method,
      path: ex.req.url ?? '/',
      route: ex.label,
      status: ex.status,
      reqBytes: ex.reqBytes,
      resBytes: ex.resBytes,
      headers: ex.req.headers,
      remoteAddress: ex.remoteAddress,
      error: ex.error,
      fault: ex.fault?.label,
      body: ex.captureBody,
      bodyTruncated: ex.captureTruncated,
    });
  }

  /** A full record from a finished exchange, to the capture file and `record` listeners. */
  complete(ex: FinishedExchange): void {
    const record = this.toRecord(ex);
    this.writer?.add(record);
    this.emit('record', record);
  }

  toRecord(ex: FinishedExchange): RequestRecord {
    const h = ex.headers;
    const record: RequestRecord = {
      ts: ex.ts,
      durationMs: Math.round(ex.durationMs * 1000) / 1000,
      method: ex.method,
      // Path parameters (;jsessionid=) dropped, secret-looking segments (a JWT, sk_live_…) redacted.
      path: redactPath(ex.path.includes('?') ? ex.path.slice(0, ex.path.indexOf('?')) : ex.path),
      route: ex.route,
      queryKeys: queryKeys(ex.path),
      status: ex.status,
      reqBytes: ex.reqBytes,
      resBytes: ex.resBytes,
      protocol: String(h['content-type'] ?? '').startsWith('application/grpc') ? 'grpc' : 'http1',
    };
    if (h['content-type']) record.contentType = String(h['content-type']).split(';')[0]!.trim();
    const clientRaw = this.clientHeader ? h[this.clientHeader] : (h['x-forwarded-for'] as string | undefined)?.split(',')[0]?.trim() ?? ex.remoteAddress;
    if (typeof clientRaw === 'string' && clientRaw) record.client = this.pseudonyms.get(clientRaw);
    const sessionRaw = this.cfg.sessionCookie ? cookieValue(h.cookie, this.cfg.sessionCookie) : this.sessionHeader ? h[this.sessionHeader] : undefined;
    if (typeof sessionRaw === 'string' && sessionRaw) record.session = this.pseudonyms.get(sessionRaw);
    record.userAgent = userAgentFamily(h['user-agent']);
    if (this.geoHeader && typeof h[this.geoHeader] === 'string') record.geo = h[this.geoHeader] as string;
    if (ex.error) record.error = ex.error;
    if (ex.fault) record.fault = ex.fault;
    if (this.mode === 'full') {
      record.headers = this.redactor.headers(h as Record<string, string | string[]>);
      if (ex.body && ex.body.length > 0) {
        const redacted = this.redactor.body(Buffer.concat(ex.body), record.contentType, ex.bodyTruncated);
        if (redacted.omitted) record.bodyOmitted = redacted.omitted;
        else record.body = redacted.text;
        if (ex.bodyTruncated) record.bodyTruncated = true;
      }
    }
    return record;
  }
}
