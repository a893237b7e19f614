import { z } from 'zod';
import { durationMs, httpOrigin, isHeaderValue, isRequestTarget, isToken, percent, type ConfigIssue } from '../common/index.js';
import { FAULT_LIMITS, GENERATOR_FAULT_KINDS } from './faults.js';
import { parseThreshold } from './thresholds.js';

const EXECUTOR_NAMES = ['constant-rate', 'ramping-rate', 'poisson', 'peak-valley', 'step', 'forecast', 'replay', 'sessions', 'concurrency'] as const;

const loadSchema = z.strictObject({
  executor: z.enum(EXECUTOR_NAMES, { error: `must be one of ${EXECUTOR_NAMES.join(', ')}` }),
  rate: z.number().nonnegative().optional(),
  poisson: z.boolean().optional(),
  startRate: z.number().nonnegative().optional(),
  stages: z.array(z.strictObject({ duration: durationMs, target: z.number().nonnegative() })).optional(),
  steps: z.array(z.strictObject({ duration: durationMs, rate: z.number().nonnegative() })).optional(),
  amplitude: z.number().min(0).max(1).optional(),
  period: durationMs.optional(),
  points: z.array(z.strictObject({ at: durationMs, rate: z.number().nonnegative() })).optional(),
  multiplier: z.number().positive().optional(),
  speed: z.number().positive().optional(),
  loop: z.boolean().optional(),
  vus: z.number().int().positive().optional(),
});

const headerName = z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be an HTTP header name');

// What goes on the request line and into headers: nothing that could split the request head (CR/LF, spaces in a path).
const method = z.string().refine(isToken, 'must be an HTTP method (a token: letters, digits, !#$%&\'*+-.^_`|~), e.g. GET');
const headerValue = z.string().refine(isHeaderValue, 'must not contain CR, LF or NUL');
const headerMap = z.record(headerName, headerValue);

const sourceSchema = z.strictObject({
  kind: z.enum(['fixed', 'replay', 'capture-mix', 'model'], { error: 'must be fixed, replay, capture-mix or model' }).prefault('fixed'),
  method: method.optional(),
  path: z.string().startsWith('/', 'paths start with /').refine(isRequestTarget, 'must not contain spaces or control characters (percent-encode them, e.g. %20)').optional(),
  body: z.string().optional(),
  headers: headerMap.optional(),
  /** Capture file (NDJSON, gzip ok) for replay and capture-mix; model JSON for model. */
  file: z.string().optional(),
  // What-ifs on the identity of model-synthesised traffic (docs/generator.md, "Synthesis fidelity").
  /** Weight multipliers by user-agent family or family part: { mobile: 2, bot: 0 }. */
  userAgents: z.record(z.string(), z.number().nonnegative()).optional(),
  /** Weight multipliers by geo value: { eu: 0.5 }. */
  geo: z.record(z.string(), z.number().nonnegative()).optional(),
  geoHeader: headerName.optional(),
  clients: z.strictObject({ header: headerName.optional(), count: z.number().int().positive().max(16_000_000).optional() }).optional(),
  sessions: z.strictObject({ cookie: z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be a cookie name (token characters)').optional(), header: headerName.optional() })
    .refine((v) => (v.cookie === undefined) !== (v.header === undefined), 'give either cookie or header')
    .optional(),
});

const thresholdSchema = z.union([z.string(), z.strictObject({ expr: z.string(), route: z.string().optional(), method: z.string().optional() })]);

export const scenarioSchema = z.strictObject({
  name: z.string().optional(),
  target: httpOrigin,
  /** Required, except for a replay without loop: it then lasts as long as the capture (÷ speed). */
  duration: durationMs.optional(),
  seed: z.number().int().prefault(1),
  load: loadSchema,
  rampUp: durationMs.prefault(0),
  rampDown: durationMs.prefault(0),
  events: z.array(z.strictObject({
    name: z.string(), start: durationMs, duration: durationMs, multiplier: z.number().nonnegative().prefault(1),
    /** Route-mix override during the event (model sources): { "/checkout": 3 }. */
    routes: z.record(z.string(), z.number().nonnegative()).optional(),
  })).prefault([]),
  source: sourceSchema.prefault({}),
  headers: headerMap.prefault({}),
  faults: z.array(z.strictObject({
    kind: z.enum(GENERATOR_FAULT_KINDS, { error: `must be one of ${GENERATOR_FAULT_KINDS.join(', ')}` }),
    percent,
    routes: z.array(z.string()).optional(),
    ms: z.number().nonnegative().max(FAULT_LIMITS.ms, 'must be at most 1h (3600000 ms)').optional(),
    copies: z.number().int().min(2).max(FAULT_LIMITS.copies).optional(),
    bytesPerSec: z.number().positive().max(FAULT_LIMITS.bytesPerSec).optional(),
    bytes: z.number().int().positive().max(FAULT_LIMITS.bytes).optional(),
  })).prefault([]),
  thresholds: z.array(thresholdSchema).prefault([]),
  http: z.strictObject({
    connections: z.number().int().positive().prefault(128),
    pipelining: z.number().int().positive().prefault(1),
    timeout: durationMs.prefault('30s'),
    maxInFlight: z.number().int().positive().prefault(10_000),
    /** Offer HTTP/2 over TLS (ALPN; HTTP/1.1 when the target does not take it). */
    http2: z.boolean().prefault(false),
    /** Accept any TLS certificate (self-signed test secondaries). */
    insecure: z.boolean().prefault(false),
    /** PEM file of CAs to trust for the target. */
    ca: z.string().optional(),
  }).prefault({}),
  /** Hard cap on the intended rate (req/s); raise it explicitly. */
  maxRate: z.number().positive().prefault(10_000),
  /** Primary hosts this load must never hit (also SHADOWTWIN_PRIMARY). */
  primary: z.array(httpOrigin).prefault([]),
});

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type LoadConfig = Scenario['load'];

/**
 * What each executor needs, checked across fields so every problem is listed
 * at once. `given` says which documents come with the scenario instead of
 * files (a model, capture records: `RunInputs`): their source needs no file.
 */
export function scenarioChecks(raw: Record<string, unknown>, given: { model?: boolean; records?: boolean } = {}): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const load = (raw.load ?? {}) as Record<string, unknown>;
  const source = (raw.source ?? {}) as Record<string, unknown>;
  const need = (key: string, why: string): void => {
    if (load[key] === undefined) issues.push({ path: `load.${key}`, message: `is required for executor ${String(load.executor)}`, fix: why });
  };
  switch (load.executor) {
    case 'constant-rate': case 'poisson': case 'peak-valley': need('rate', 'set requests per second, e.g. rate: 100'); break;
    case 'ramping-rate': need('stages', 'e.g. stages: [{ duration: 1m, target: 200 }]'); break;
    case 'step': need('steps', 'e.g. steps: [{ duration: 30s, rate: 50 }, { duration: 30s, rate: 100 }]'); break;
    case 'forecast': need('points', 'give the forecast as points: [{ at: 0s, rate: 100 }, ...] (or use --forecast)'); break;
    case 'concurrency': need('vus', 'e.g. vus: 10'); break;
    case 'sessions':
      need('rate', 'set session starts per second, e.g. rate: 5');
      if (source.kind !== 'model') issues.push({ path: 'source', message: 'the sessions executor walks a request model', fix: 'set source: { kind: model, file: model.json }' });
      break;
    case 'replay': if (source.kind !== 'replay' || !(source.file || given.records)) issues.push({ path: 'source', message: 'replay needs a capture', fix: 'set source: { kind: replay, file: capture.ndjson }' }); break;
    default: break;
  }
  const documentGiven = source.kind === 'model' ? given.model : given.records;
  if ((source.kind === 'replay' || source.kind === 'capture-mix' || source.kind === 'model') && !source.file && !documentGiven) {
    issues.push({ path: 'source.file', message: `is required for source kind ${String(source.kind)}`, fix: source.kind === 'model' ? 'give a model (shadowtwin profile build -o model.json)' : 'give a capture file (NDJSON from the sidecar)' });
  }
  for (const key of ['userAgents', 'geo', 'geoHeader', 'clients', 'sessions']) {
    if (source[key] !== undefined && source.kind !== 'model') issues.push({ path: `source.${key}`, message: 'applies to model sources only', fix: 'remove it, or use source: { kind: model, file: model.json }' });
  }
  if (source.sessions !== undefined && source.kind === 'model' && load.executor === 'concurrency') {
    issues.push({ path: 'source.sessions', message: 'needs an open executor (concurrency loops draw requests one by one, without sessions)', fix: 'use e.g. load: { executor: sessions, rate: N } or poisson, or remove source.sessions' });
  }
  if ((source.kind ?? 'fixed') === 'fixed' && !source.path) issues.push({ path: 'source.path', message: 'is required for a fixed source', fix: 'e.g. source: { path: /users/1 }' });
  if (raw.duration === undefined && !(load.executor === 'replay' && !load.loop)) {
    issues.push({ path: 'duration', message: 'is required', fix: 'e.g. duration: 5m (only a replay without loop takes its length from the capture)' });
  }
  const ths = Array.isArray(raw.thresholds) ? raw.thresholds : [];
  ths.forEach((t, i) => {
    const expr = typeof t === 'string' ? t : (t as { expr?: unknown })?.expr;
    if (typeof expr === 'string') {
      const p = parseThreshold(expr);
      if (typeof p === 'string') issues.push({ path: `thresholds[${i}]`, message: p });
    }
  });
  const target = typeof raw.target === 'string' ? safeOrigin(raw.target) : undefined;
  const prim = (Array.isArray(raw.primary) ? raw.primary : []).map((p) => safeOrigin(String(p)));
  if (target && prim.includes(target)) {
    issues.push({ path: 'target', message: `(${target}) is a primary host; generated load and faults are never aimed at the primary`, fix: 'target the secondary' });
  }
  return issues;
}

function safeOrigin(v: string): string | undefined {
  try { return new URL(v).origin; } catch { return undefined; }
}
