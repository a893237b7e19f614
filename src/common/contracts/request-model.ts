import { z } from 'zod';
import { readJsonFile } from '../read-json-file.js';
import { readDocument, pathText, type Contract, type Refusal } from './contract.js';
import { encodeCounts, sparseFromDense, type EncodedCounts } from './encoded-counts.js';

export const REQUEST_MODEL_KIND = 'shadowtwin.request-model';
/** The version `profile build` writes; readers accept every version from 1 up to it. */
export const REQUEST_MODEL_VERSION = 2;

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
  kind: typeof REQUEST_MODEL_KIND;
  version: typeof REQUEST_MODEL_VERSION;
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


const count = z.number().nonnegative().refine(Number.isFinite, 'must be a finite number');
const counts = z.record(z.string(), count);
const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/**
 * The fields every consumer relies on. Objects are loose: a newer minor
 * revision may add optional fields and an older reader keeps working; a new
 * major version is refused before this runs.
 */
const routeSchema = z.looseObject({
  route: z.string().min(1),
  method: z.string().min(1),
  requests: count,
  weight: z.number().min(0).max(1),
  status: counts,
  reqBytes: z.string(),
  resBytes: z.string(),
  latency: z.string().optional(),
  queryKeySets: counts,
  contentTypes: counts,
  userAgents: counts,
  geo: counts,
  paths: z.array(z.string()),
  exemplars: z.array(z.string()),
});

const encodedCounts = z.looseObject({ start: finite, length: z.number().int().nonnegative(), total: count, runs: z.string() });
const stepMs = z.number().positive().refine(Number.isFinite, 'must be a finite number');
/** Version 1 kept dense arrays; version 2 keeps runs of populated slots (`EncodedCounts`). */
const rateV1 = z.looseObject({ stepMs, start: finite, counts: z.array(count), hourOfDay: z.array(finite), dayOfWeek: z.array(finite) });
const rateV2 = z.looseObject({ stepMs, steps: encodedCounts, seconds: encodedCounts, hourOfDay: z.array(finite), dayOfWeek: z.array(finite), dispersion: finite });

const modelSchema = (version: number): z.ZodType<unknown> => z.looseObject({
  kind: z.literal(REQUEST_MODEL_KIND),
  version: z.literal(version),
  provenance: z.looseObject({
    window: z.looseObject({ start: finite, end: finite }),
    records: count,
  }),
  routes: z.array(routeSchema),
  sessions: z.union([z.null(), z.looseObject({ count, length: z.string(), thinkTimeMs: z.string(), start: counts, transitions: z.record(z.string(), counts) })]),
  rate: version === 1 ? rateV1 : rateV2,
  userAgents: counts,
  clients: z.looseObject({ distinct: count }),
});

/** Version 1 stored dense arrays; version 2 stores the same counts as runs of populated slots. */
function upgradeRate(r: RateModelV1): RateModel {
  const first = Math.round(r.start / r.stepMs);
  const counts = Array.isArray(r.counts) ? r.counts : [];
  const secs = r.seconds && Array.isArray(r.seconds.counts) ? r.seconds : { start: 0, counts: [] };
  return {
    stepMs: r.stepMs,
    steps: encodeCounts(sparseFromDense(first, counts), r.stepMs),
    seconds: encodeCounts(sparseFromDense(secs.start, secs.counts), 1000),
    hourOfDay: r.hourOfDay, dayOfWeek: r.dayOfWeek, dispersion: r.dispersion,
  };
}

/** The current form of a model (version 1 is upgraded in memory; the current version is returned as is). */
export function upgradeRequestModel(m: RequestModel | RequestModelV1): RequestModel {
  if (m.version === REQUEST_MODEL_VERSION) return m as RequestModel;
  return { ...m, version: REQUEST_MODEL_VERSION, rate: upgradeRate((m as RequestModelV1).rate) };
}

function refusal(why: Refusal, file: string): string {
  switch (why.kind) {
    case 'not-an-object':
    case 'other-kind':
      return `${file} is not a shadowtwin request model (build one with: shadowtwin profile build)`;
    case 'version':
      return `${file} is a request model of version ${JSON.stringify(why.found)}; this shadowtwin reads versions 1 to ${REQUEST_MODEL_VERSION} (upgrade shadowtwin, or rebuild the model with this one)`;
    case 'shape': {
      const problems = why.problems.slice(0, 5).map((i) => `${pathText(i.path)}: ${i.message}`);
      const more = why.problems.length > 5 ? `; and ${why.problems.length - 5} more` : '';
      return `${file} is a damaged request model: ${problems.join('; ')}${more}; rebuild it with shadowtwin profile build`;
    }
  }
}

export const REQUEST_MODEL_CONTRACT: Contract<RequestModel> = {
  kind: REQUEST_MODEL_KIND,
  version: REQUEST_MODEL_VERSION,
  reads: [1, 2],
  describe: 'a shadowtwin request model (shadowtwin profile build)',
  schema: modelSchema(2) as z.ZodType<RequestModel>,
  older: { 1: modelSchema(1) },
  upgrade: (doc) => upgradeRequestModel(doc as RequestModelV1),
  refusal,
};

/**
 * Checks a parsed document as a request model: the kind, a version this
 * build reads, and the shape every command relies on; returns it in the
 * current version (older ones are upgraded in memory). Every problem is
 * listed with its path; the error names the file.
 */
export function parseRequestModel(doc: unknown, file: string): RequestModel {
  return readDocument(REQUEST_MODEL_CONTRACT, doc, file);
}

/** Reads a request model file: the one reader every command uses. */
export function readRequestModel(file: string): RequestModel {
  return parseRequestModel(readJsonFile(file, 'a request model written by shadowtwin profile build'), file);
}
