import type { EncodedCounts } from './count-runs.js';

/**
 * The request model (JSON, versioned): what traffic looks like, as
 * distributions. Histograms are HDR, compressed base64; sizes are stored as
 * bytes + 1 (HDR cannot record 0), latencies in microseconds.
 * Documented in docs/profiler.md.
 */
export interface RouteModel {
  route: string;
  method: string;
  requests: number;
  weight: number;
  status: Record<string, number>;
  /** HDR of request body bytes + 1. */
  reqBytes: string;
  /** HDR of response body bytes + 1. */
  resBytes: string;
  /** HDR of latency in µs (absent when the source has no latency, e.g. access logs). */
  latency?: string;
  queryKeySets: Record<string, number>;
  contentTypes: Record<string, number>;
  userAgents: Record<string, number>;
  geo: Record<string, number>;
  /** Observed raw paths (with query keys), a bounded sample: parameter values for synthesis. */
  paths: string[];
  /** Redacted body exemplars (full captures only). */
  exemplars: string[];
  /** HyperLogLog registers (base64) of the distinct raw paths grouped under this template. */
  distinctPaths?: string;
  /**
   * Set when the template was generalised at build from several inferred
   * ones (a parameter such as `/blog/tags/:tag`, or a wildcard `/x/*` for
   * any deeper path); absent otherwise and in older models.
   */
  collapsed?: true;
}

/** Where route templates came from, in requests (the route coverage report). */
export interface RouteSources {
  /** Matched by the route table (`--routes`). */
  table: number;
  /** Named by the source itself (sidecar captures carry their route). */
  source: number;
  /** Inferred from the raw paths. */
  inferred: number;
}

/**
 * How sessions were told apart in the input: `source` when the input named
 * each request's session (a sidecar capture's session cookie or header, a
 * log's session field; `name` when the builder was told which), `client`
 * when they were inferred from the client key and the inactivity gap.
 */
export interface SessionIdentity {
  kind: 'source' | 'client';
  /** The cookie or header that carried it, when known: `{ cookie: 'sid' }` or `{ header: 'x-session-id' }`. */
  cookie?: string;
  header?: string;
}

export interface SessionModel {
  gapMs: number;
  /** Absent in models written before it existed (read as `client`). */
  identity?: SessionIdentity;
  count: number;
  /** Requests per session (HDR). */
  length: string;
  /** Time between a session's consecutive requests, ms (HDR, stored in ms). */
  thinkTimeMs: string;
  /** First route of sessions: "METHOD route" → count. */
  start: Record<string, number>;
  /** User-agent families of sessions by first route: "METHOD route" → family → sessions (absent in older models). */
  startUserAgents?: Record<string, Record<string, number>>;
  /** "METHOD route" → next "METHOD route" → count; "$exit" ends a session. */
  transitions: Record<string, Record<string, number>>;
}

/**
 * The request rate (version 2). Both series hold populated slots only
 * (`EncodedCounts`: runs of varints, base64), so their size follows the
 * records, never the time they span.
 */
export interface RateModel {
  stepMs: number;
  /** Requests per step; slots of `stepMs` aligned to the epoch (a step dividing a day starts at UTC midnight). */
  steps: EncodedCounts;
  /** Requests per second, kept so shard models merge exactly (the dispersion needs them). */
  seconds: EncodedCounts;
  /** Share of requests by hour of day (UTC), 24 values. */
  hourOfDay: number[];
  /** Share by day of week (UTC, 0 = Sunday), 7 values. */
  dayOfWeek: number[];
  /** Index of dispersion (variance / mean) of per-second counts: 1 ≈ Poisson, > 1 bursty. */
  dispersion: number;
}

/** The rate as version 1 stored it: dense arrays over the whole window (read, upgraded, never written). */
export interface RateModelV1 {
  stepMs: number;
  /** Epoch ms of the first bucket. */
  start: number;
  counts: number[];
  hourOfDay: number[];
  dayOfWeek: number[];
  dispersion: number;
  /** Per-second counts (epoch second of the first). */
  seconds: { start: number; counts: number[] };
}

export interface RequestModel {
  kind: 'shadowtwin.request-model';
  version: 2;
  provenance: {
    inputs: Array<{ file: string; format: string; records: number; skipped: number }>;
    window: { start: number; end: number };
    records: number;
    skipped: { total: number; byReason: Record<string, number> };
    /** Requests counted in their route but whose path (over `MAX_POOL_PATH_LENGTH`) was not kept in its path pool. */
    longPaths?: number;
    tool: string;
  };
  routes: RouteModel[];
  sessions: SessionModel | null;
  rate: RateModel;
  userAgents: Record<string, number>;
  /** `distinct` is a HyperLogLog estimate (~1.6%); `hll` its registers (base64) so shards merge exactly. */
  clients: {
    distinct: number; top: Array<{ client: string; requests: number }>; hll?: string;
    /** The header clients were read from (a capture's `clientHeader`); absent: the address / x-forwarded-for. */
    header?: string;
  };
  /** The header geo values were read from (a capture's `geoHeader`), when known. */
  geoHeader?: string;
  /** Absent in models written before it existed. */
  routeSources?: RouteSources;
}

/** A version-1 model as read from disk (`upgradeModel` turns it into the current version). */
export type RequestModelV1 = Omit<RequestModel, 'version' | 'rate'> & { version: 1; rate: RateModelV1 };

export const SESSION_EXIT = '$exit';
