import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { boundedDuration, httpOrigin, isLoopback, requestRateQuery, loadConfig, parseHostPort, ShadowtwinError, validateConfig, type ConfigIssue, type PlainObject } from '../common/index.js';
import { scalingChecks, scalingTargetSchema } from './scaling/scaling-config.js';

const listen = z.string().refine((v) => parseHostPort(v) !== undefined, { message: 'must be HOST:PORT, e.g. 127.0.0.1:7070' });
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/, 'must be 1-253 letters, digits, ".", "_" or "-"');

/** What the controller knows about a service before its first window, and its scaling targets (docs/controller.md, "Scaling"). */
export const serviceConfigSchema = z.strictObject({
  name,
  scaling: z.array(scalingTargetSchema).max(100).prefault([]),
  /** Where load runs synthesized for this service go (docs/controller.md, "Load runs"); never a primary. */
  secondary: httpOrigin.optional(),
  /** The service's primary hosts: load runs never target them (with SHADOWTWIN_PRIMARY). */
  primary: z.array(httpOrigin).max(100).prefault([]),
});

export const controllerConfigSchema = z.strictObject({
  /** gRPC (telemetry, load, forecast, model, scaling). */
  grpc: listen.prefault('127.0.0.1:7070'),
  /** HTTP: /healthz, /metrics, /api/v1/…, the event stream (and the dashboard). */
  http: listen.prefault('127.0.0.1:7080'),
  /** The data directory (the SQLite store; one controller per directory). */
  data: z.string().min(1).prefault('./shadowtwin-data'),
  /** Bearer token for both listeners; required when either is off loopback. */
  token: z.string().min(16, 'must be at least 16 characters').regex(/^\S+$/, 'must not contain spaces (e.g. openssl rand -hex 24)').optional(),
  tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
  /** The sidecars' window period (their capture.window, default 10s): a pod silent for three of them (or of its own, if longer) is gone. */
  windowMs: boundedDuration(250, 300_000).prefault('10s'),
  /** A window from a service not in `services`: take it (and list the service) or refuse it. Counted either way. */
  unknownServices: z.enum(['register', 'refuse']).prefault('register'),
  /** Store durability: full (fsync each commit) or normal (survives kill -9, not power loss). */
  synchronous: z.enum(['full', 'normal']).prefault('full'),
  retention: z.strictObject({
    raw: boundedDuration(60_000, 7 * 86_400_000).optional(),
    minute: boundedDuration(3_600_000, 400 * 86_400_000).optional(),
    hour: boundedDuration(86_400_000, 5 * 365 * 86_400_000).optional(),
    events: boundedDuration(3_600_000, 400 * 86_400_000).optional(),
  }).prefault({}),
  forecast: z.strictObject({
    /** Refit at least this often (and on drift). */
    refitEvery: boundedDuration(10_000, 86_400_000).prefault('15m'),
    /** How far ahead each forecast looks. */
    horizon: boundedDuration(60_000, 7 * 86_400_000).prefault('1h'),
    /** Step of the series the forecaster sees. */
    step: boundedDuration(1_000, 3_600_000).prefault('1m'),
    /** History the forecaster sees at most. */
    history: boundedDuration(3_600_000, 90 * 86_400_000).prefault('14d'),
    /** Season length in steps of the series (absent: calendar cycles the history supports). */
    seasonSteps: z.number().int().min(2).max(100_000).optional(),
    /** The interval level drift is judged against. */
    level: z.number().gt(0).lt(1).prefault(0.8),
    /** Route-mix drift: Jensen–Shannon distance above this (0–1). */
    mixThreshold: z.number().gt(0).lt(1).prefault(0.2),
    /** Seed the history from Prometheus so forecasts are useful from the first minute. */
    prometheus: z.strictObject({
      url: z.string().url('must be a URL, e.g. http://prometheus:9090'),
      /** PromQL giving one series of requests per second; `$service` is replaced by the service's name. */
      query: z.string().min(1).prefault(requestRateQuery()),
    }).optional(),
  }).prefault({}),
  services: z.array(serviceConfigSchema).max(1_000).prefault([]),
  /** Load runs the controller drives (docs/controller.md, "Load runs"). */
  runs: z.strictObject({ maxConcurrent: z.number().int().min(1).max(64).prefault(2), maxDuration: boundedDuration(1_000, 86_400_000).prefault('1h') }).prefault({}),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).prefault('info'),
});

export type ControllerConfig = z.output<typeof controllerConfigSchema>;

/** Rules across fields: a listener off loopback needs a token; service names once. */
export function controllerChecks(raw: PlainObject): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const key of ['grpc', 'http'] as const) {
    const hp = typeof raw[key] === 'string' ? parseHostPort(raw[key] as string) : undefined;
    if (hp && !isLoopback(hp.host) && !raw.token) {
      issues.push({ path: 'token', message: `is required because ${key} (${String(raw[key])}) is not a loopback address`, fix: 'set --token-file FILE (or --token / SHADOWTWIN_CONTROLLER_TOKEN, 16+ characters), or listen on 127.0.0.1' });
    }
  }
  const names = Array.isArray(raw.services) ? raw.services.map((s) => (s as PlainObject)?.name) : [];
  names.forEach((n, i) => {
    if (typeof n === 'string' && names.indexOf(n) !== i) issues.push({ path: `services.${i}.name`, message: `"${n}" is listed twice`, fix: 'list each service once' });
  });
  issues.push(...scalingChecks(raw));
  return issues;
}

/** Reads a token file (first line, trimmed): a token never has to sit on a command line. */
export function readTokenFile(file: string, flag: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ShadowtwinError('ST_ERR_CONFIG_FILE_UNREADABLE', `${flag} ${file}: cannot read it (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, { cause });
  }
  const token = text.split(/\r?\n/)[0]!.trim();
  if (token.length < 16) throw new ShadowtwinError('ST_ERR_CONFIG_INVALID', `${flag} ${file}: the token on its first line has ${token.length} characters; use at least 16 (e.g. openssl rand -hex 24)`);
  return token;
}

export function loadControllerConfig(opts: { file?: string; env?: NodeJS.ProcessEnv; flags?: PlainObject } = {}): ControllerConfig {
  const env = opts.env ?? {};
  return loadConfig({
    schema: controllerConfigSchema,
    label: 'controller config',
    file: opts.file,
    env: { token: env.SHADOWTWIN_CONTROLLER_TOKEN, logLevel: env.SHADOWTWIN_LOG_LEVEL },
    flags: opts.flags,
    checks: controllerChecks,
  });
}

export function parseControllerConfig(input: unknown): ControllerConfig {
  return validateConfig(controllerConfigSchema, input, 'controller config', controllerChecks);
}
