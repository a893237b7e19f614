/**
 * One observed request, as the sidecar captures it and every importer
 * produces it. Field names are the capture format's contract (version 1).
 */
export interface RequestRecord {
  /** Arrival, epoch milliseconds. */
  ts: number;
  durationMs: number;
  method: string;
  path: string;
  route: string;
  queryKeys: string[];
  status: number;
  reqBytes: number;
  resBytes: number;
  contentType?: string;
  protocol: 'http1' | 'h2' | 'grpc';
  /** Pseudonymised client (HMAC of the configured header or the source address). */
  client?: string;
  /** Pseudonymised session (HMAC of the configured cookie or header). */
  session?: string;
  userAgent?: string;
  geo?: string;
  /** Set when the upstream failed (`ST_ERR_*`) or a fault was injected. */
  error?: string;
  fault?: string;
  /** Only in `full` capture mode, after redaction. */
  headers?: Record<string, string | string[]>;
  body?: string;
  bodyTruncated?: boolean;
  /**
   * Full mode, instead of `body`, when the body could not be redacted field
   * by field (not JSON or a form, unparseable, or truncated) and its media
   * type is not in `capture.rawBodyTypes`: size and a keyed hash, never bytes.
   */
  bodyOmitted?: { reason: 'unparsed' | 'not_allowed' | 'truncated'; contentType: string; bytes: number; hash: string };
}

export const CAPTURE_FORMAT_VERSION = 1;

export interface CaptureHeader {
  shadowtwin: 'capture';
  version: typeof CAPTURE_FORMAT_VERSION;
  created: string;
  mode: 'meta' | 'full';
  source?: string;
  tool: string;
  /**
   * Where the capture read identities from (absent: not configured, or a
   * capture written before these existed): the profiler records them in the
   * model so synthesis sends the same cookie and headers.
   */
  keys?: CaptureKeys;
}

export interface CaptureKeys {
  sessionCookie?: string;
  sessionHeader?: string;
  clientHeader?: string;
  geoHeader?: string;
}

export function captureHeader(mode: 'meta' | 'full', source: string | undefined, toolVersion: string, keys?: CaptureKeys): CaptureHeader {
  const k = Object.fromEntries(Object.entries(keys ?? {}).filter(([, v]) => typeof v === 'string' && v !== '')) as CaptureKeys;
  return { shadowtwin: 'capture', version: CAPTURE_FORMAT_VERSION, created: new Date().toISOString(), mode, ...(source ? { source } : {}), tool: `shadowtwin/${toolVersion}`, ...(Object.keys(k).length ? { keys: k } : {}) };
}
