import { LineError, type Observation } from './observation.js';
import { isMethodToken, originTarget } from './request-target.js';

/** Which JSON keys hold which field (nginx `log_format ... escape=json`). */
export interface NginxJsonFieldMap {
  time: string;
  method: string;
  uri: string;
  status: string;
  bytes: string;
  requestLength?: string;
  requestTime?: string;
  client?: string;
  userAgent?: string;
  session?: string;
  request?: string;
}

export const DEFAULT_NGINX_JSON_FIELDS: NginxJsonFieldMap = {
  time: 'time_iso8601', method: 'request_method', uri: 'request_uri', status: 'status', bytes: 'body_bytes_sent',
  requestLength: 'request_length', requestTime: 'request_time', client: 'remote_addr', userAgent: 'http_user_agent', request: 'request',
};

function timeOf(v: unknown): number {
  if (typeof v === 'number') return v > 1e12 ? v : v * 1000; // ms or seconds (msec)
  if (typeof v === 'string') {
    const n = Number(v);
    if (Number.isFinite(n) && v.trim() !== '') return n > 1e12 ? n : n * 1000;
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  throw new LineError('bad_time');
}

/** One nginx JSON log line with a configurable field map. */
export function parseNginxJsonLine(line: string, fields: NginxJsonFieldMap = DEFAULT_NGINX_JSON_FIELDS): Observation {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new LineError('invalid_json');
  }
  if (typeof o !== 'object' || o === null) throw new LineError('invalid_json');
  let method = o[fields.method];
  let uri = o[fields.uri];
  if ((method === undefined || uri === undefined) && fields.request && typeof o[fields.request] === 'string') {
    const parts = (o[fields.request] as string).split(' ');
    method ??= parts[0];
    uri ??= parts[1];
  }
  if (typeof method !== 'string' || typeof uri !== 'string' || uri === '') throw new LineError('missing_fields');
  if (!isMethodToken(method)) throw new LineError('bad_method');
  // JSON escapes let a CR, LF or NUL through (`"/r\r\nX-Smuggled: 1"`): `bad_target`, never a model path.
  const target = originTarget(uri);
  const status = Number(o[fields.status]);
  if (!Number.isInteger(status) || status < 100 || status > 599) throw new LineError('bad_status');
  const num = (k?: string): number | undefined => {
    if (!k || o[k] === undefined || o[k] === '-' || o[k] === '') return undefined;
    const n = Number(o[k]);
    return Number.isFinite(n) ? n : undefined;
  };
  const obs: Observation = { ts: timeOf(o[fields.time]), method, target, status, resBytes: num(fields.bytes) ?? 0 };
  const rl = num(fields.requestLength);
  if (rl !== undefined) obs.reqBytes = rl;
  const rt = num(fields.requestTime);
  if (rt !== undefined) obs.durationMs = rt * 1000;
  const str = (k?: string): string | undefined => (k && typeof o[k] === 'string' && o[k] !== '-' && o[k] !== '' ? (o[k] as string) : undefined);
  if (str(fields.client)) obs.client = str(fields.client);
  if (str(fields.userAgent)) obs.userAgent = str(fields.userAgent);
  if (str(fields.session)) obs.session = str(fields.session);
  return obs;
}
