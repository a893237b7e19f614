import { z } from 'zod';
import { durationMs, formatIssues, hostPort, isLoopback, ShadowtwinError, validateConfig, type ConfigIssue, type PlainObject } from '../common/index.js';

/** A plain decimal as people type it (100, 0.5) or a number; Number() would also take 0x10, 1e3 and "". */
const DECIMAL = /^-?\d+(\.\d+)?$/;

function decimal(rule: { min?: number; max?: number; positive?: boolean; integer?: boolean }) {
  const { min, max, positive, integer } = rule;
  const kind = integer ? 'a whole number' : 'a number';
  const range = min !== undefined && max !== undefined ? ` between ${positive ? 'above ' : ''}${min} and ${max}`
    : positive && min === 0 ? ' above 0'
      : min !== undefined ? ` of at least ${min}` : '';
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    const n = typeof v === 'number' ? v : DECIMAL.test(v.trim()) ? Number(v.trim()) : NaN;
    const ok = Number.isFinite(n) && (!integer || Number.isInteger(n)) && (min === undefined || (positive ? n > min : n >= min)) && (max === undefined || n <= max);
    if (!ok) {
      ctx.addIssue({ code: 'custom', message: `must be ${kind}${range}, got ${JSON.stringify(typeof v === 'number' ? v : v)}` });
      return z.NEVER;
    }
    return n;
  });
}

const duration = durationMs.pipe(z.number().min(0, 'must not be negative'));
const positiveDuration = durationMs.pipe(z.number().positive('must be above 0'));
const url = z.string().refine((v) => { try { return /^https?:$/.test(new URL(v).protocol); } catch { return false; } }, { message: 'must be an http(s) URL, e.g. http://127.0.0.1:15000' });
const token = z.string().min(1).optional();

const actuatorSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('dry-run'), current: decimal({ min: 0, integer: true }).prefault(1) }),
  z.strictObject({
    kind: z.literal('kubernetes'),
    /** API server URL; absent: the kubeconfig (in a pod, its service account). */
    server: url.optional(),
    token,
    insecure: z.boolean().optional(),
    namespace: z.string().min(1).optional(),
    deployment: z.string().min(1).optional(),
    statefulset: z.string().min(1).optional(),
    /** If an HPA manages the target: raise its minReplicas instead of fighting it. */
    respectHpa: z.boolean().prefault(true),
  }),
  z.strictObject({ kind: z.literal('membership'), admin: url.optional(), pool: z.array(url).optional(), token }),
  z.strictObject({ kind: z.literal('webhook'), url: url.optional(), current: decimal({ min: 0, integer: true }).prefault(1), token }),
], { error: 'must be dry-run, kubernetes, membership or webhook' });

const historySchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('file'),
    /** CSV (timestamp,value), a request model or a capture. */
    file: z.string().min(1),
    /** What CSV values are: req/s, or requests per step (converted). */
    unit: z.enum(['req/s', 'per-step'], { error: 'must be req/s or per-step' }).prefault('req/s'),
    /** Series step for a capture. */
    stepMs: positiveDuration.prefault('1m'),
  }),
  z.strictObject({
    kind: z.literal('prometheus'),
    url,
    query: z.string().min(1),
    sinceMs: positiveDuration.prefault('7d'),
    stepMs: positiveDuration.prefault('5m'),
    token,
  }),
], { error: 'must be file or prometheus' });

/**
 * Everything a scale loop is built from, validated at once (every problem
 * listed, like the sidecar's config). Numbers and durations may be given as
 * typed on a command line ("50", "5m").
 */
export const scalerConfigSchema = z.strictObject({
  /** What is being scaled (records and metrics). */
  target: z.string().min(1).prefault('service'),
  /** Sustainable requests/s of one replica (shadowtwin capacity). */
  capacityPerReplica: decimal({ min: 0, positive: true }),
  /** Planning horizon of the history forecast. */
  horizonMs: positiveDuration.prefault('1h'),
  /** Time between rounds of a running loop. */
  intervalMs: positiveDuration.prefault('1m'),
  /** Confidence recorded with each proposal (0–1). */
  confidence: decimal({ min: 0, max: 1 }).prefault(0.8),
  history: historySchema.optional(),
  /** What a breach is, judged on fed secondary/generator windows (for feedback). */
  slo: z.strictObject({ p99Ms: decimal({ min: 0, positive: true }).prefault(250), errorRate: decimal({ min: 0, max: 1 }).prefault(0.01) }).prefault({}),
  /** Points of the observed rate kept (state export carries them). */
  rateWindow: decimal({ min: 2, integer: true }).prefault(600),
  policy: z.strictObject({
    targetUtilization: decimal({ min: 0, max: 1, positive: true }).prefault(0.7),
    minReplicas: decimal({ min: 1, integer: true }).prefault(1),
    maxReplicas: decimal({ min: 1, integer: true }).prefault(50),
    leadTimeMs: duration.prefault('1m'),
    lookAheadMs: duration.prefault('5m'),
    headroom: decimal({ min: 0, positive: true }).prefault(1.1),
    cooldownMs: duration.prefault('1m'),
    scaleInOnForecast: z.boolean().prefault(false),
  }).prefault({}),
  actuator: actuatorSchema.prefault({ kind: 'dry-run' }),
  metrics: z.strictObject({
    /** host:port of /metrics and /keda; loopback unless a token is set. */
    listen: z.string().prefault('127.0.0.1:0'),
    token,
  }).prefault({}),
});

export type ScalerConfigInput = z.input<typeof scalerConfigSchema>;
export type ScalerConfig = z.output<typeof scalerConfigSchema>;
export type ActuatorConfig = ScalerConfig['actuator'];

/** How the user spelled each config path (a flag, an env variable); defaults to the path itself. */
export type ConfigNames = Readonly<Record<string, string>>;

/** Rules spanning fields; they see the raw input, so they run even when the schema fails. */
function scalerChecks(raw: PlainObject, n: (path: string) => string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const policy = (raw.policy ?? {}) as PlainObject;
  const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && DECIMAL.test(v) ? Number(v) : NaN);
  const min = num(policy.minReplicas ?? 1);
  const max = num(policy.maxReplicas ?? 50);
  if (min > max) issues.push({ path: n('policy.minReplicas'), message: `${min} is above ${n('policy.maxReplicas')} ${max}` });
  const a = (raw.actuator ?? {}) as PlainObject;
  if (a.kind === 'kubernetes') {
    if (!a.namespace || (!a.deployment && !a.statefulset)) {
      issues.push({ path: n('actuator'), message: `kubernetes needs ${n('actuator.namespace')} and ${n('actuator.deployment')} (or ${n('actuator.statefulset')})`, fix: `the cluster comes from the kubeconfig (in a pod: its service account), or ${n('actuator.server')} with ${n('actuator.token')}` });
    }
    if (a.deployment && a.statefulset) issues.push({ path: n('actuator.statefulset'), message: `give ${n('actuator.deployment')} or ${n('actuator.statefulset')}, not both` });
  }
  if (a.kind === 'membership' && (!a.admin || !Array.isArray(a.pool) || a.pool.length === 0)) {
    issues.push({ path: n('actuator'), message: `membership needs ${n('actuator.admin')} (the sidecar admin URL) and ${n('actuator.pool')} (host URLs in order)` });
  }
  if (a.kind === 'webhook' && !a.url) issues.push({ path: n('actuator'), message: `webhook needs ${n('actuator.url')} URL` });
  const m = (raw.metrics ?? {}) as PlainObject;
  if (typeof m.listen === 'string') {
    const hp = hostPort.safeParse(m.listen);
    if (!hp.success) issues.push({ path: n('metrics.listen'), message: `"${m.listen}" is not HOST:PORT; write e.g. 127.0.0.1:9466` });
    else if (!isLoopback(hp.data.host) && !m.token) issues.push({ path: n('metrics.token'), message: `is required because ${n('metrics.listen')} (${m.listen}) is not a loopback address`, fix: `set ${n('metrics.token')} so every scrape needs "Authorization: Bearer <token>", or listen on 127.0.0.1` });
  }
  return issues;
}

/**
 * A scale loop's config, validated: every problem at once, as one
 * ST_ERR_CONFIG_INVALID (or `code`), each named as the user spelled it
 * (`names`: config path → flag, e.g. { capacityPerReplica: '--capacity' }).
 */
export function parseScalerConfig(input: unknown, o: { label?: string; names?: ConfigNames; code?: 'ST_ERR_CONFIG_INVALID' | 'ST_ERR_USAGE' } = {}): ScalerConfig {
  const names = o.names ?? {};
  const n = (path: string): string => names[path] ?? path;
  const label = o.label ?? 'scaler config';
  try {
    return validateConfig(scalerConfigSchema, input, label, (raw) => scalerChecks(raw, n), o.code);
  } catch (err) {
    if (!(err instanceof ShadowtwinError) || !Array.isArray(err.details) || !o.names) throw err;
    // Name each problem as the user spelled it (a flag rather than a config path).
    const issues = (err.details as ConfigIssue[]).map((i) => ({ ...i, path: n(i.path) }));
    throw new ShadowtwinError(err.code, `${label} has ${issues.length} problem${issues.length === 1 ? "" : "s"}:\n${formatIssues(issues)}`, { details: issues });
  }
}
