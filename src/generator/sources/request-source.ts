import { RouteNormalizer, type Random, type RequestRecord } from '../../common/index.js';

/** One request the generator will send. */
export interface RequestSpec {
  method: string;
  path: string;
  route: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

/** Produces the request for arrival `index` at intended time `tMs` (deterministic for a seed). */
export interface RequestSource {
  readonly kind: string;
  next(index: number, tMs?: number): RequestSpec;
}

/** The same request every time (`--rate N` against one URL). */
export function fixedSource(spec: { method?: string; path: string; headers?: Record<string, string>; body?: string }): RequestSource {
  const route = new RouteNormalizer().normalize(spec.path);
  const body = spec.body === undefined ? null : Buffer.from(spec.body);
  const headers = { ...(spec.headers ?? {}) };
  if (body && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/octet-stream';
  const req: RequestSpec = { method: (spec.method ?? 'GET').toUpperCase(), path: spec.path, route, headers, body };
  return { kind: 'fixed', next: () => req };
}

/** Headers from a capture that must not be replayed as they were. */
const NOT_REPLAYED = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);

function fromRecord(r: RequestRecord, extra: Record<string, string>): RequestSpec {
  const headers: Record<string, string> = {};
  if (r.headers) {
    for (const [k, v] of Object.entries(r.headers)) {
      // Redacted values are placeholders, not credentials: do not send them.
      if (NOT_REPLAYED.has(k.toLowerCase()) || v === '[REDACTED]') continue;
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
  }
  if (r.contentType && !headers['content-type']) headers['content-type'] = r.contentType;
  Object.assign(headers, extra);
  const query = r.queryKeys?.length ? '?' + r.queryKeys.map((k) => `${encodeURIComponent(k)}=1`).join('&') : '';
  let body: Buffer | null = null;
  if (r.body !== undefined) body = Buffer.from(r.body);
  else if (r.reqBytes > 0 && r.method !== 'GET' && r.method !== 'HEAD') body = Buffer.alloc(r.reqBytes, 0x20); // meta capture: same size
  return { method: r.method, path: r.path + query, route: r.route || r.path, headers, body };
}

/** Replays records in order (arrival i gets record i, looping). */
export function replaySource(records: readonly RequestRecord[], headers: Record<string, string> = {}): RequestSource {
  if (records.length === 0) throw new Error('replay needs at least one record');
  const specs = records.map((r) => fromRecord(r, headers));
  return { kind: 'replay', next: (i) => specs[i % specs.length]! };
}

/** Samples records at random (seeded): the captured mix at any rate. */
export function captureMixSource(records: readonly RequestRecord[], random: Random, headers: Record<string, string> = {}): RequestSource {
  if (records.length === 0) throw new Error('capture-mix needs at least one record');
  const specs = records.map((r) => fromRecord(r, headers));
  return { kind: 'capture-mix', next: () => specs[Math.floor(random() * specs.length)]! };
}
