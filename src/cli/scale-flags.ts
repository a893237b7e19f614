import { parseThreshold } from '../generator/index.js';
import { MembershipActuator, type ValidationConfig } from '../scaler/index.js';
import { FlagCheck } from './flag-check.js';
import { list } from './run-command.js';

/** An SLO list flag (`"p99 < 250ms,errors < 1%"`), each threshold checked. */
export function sloFlag(c: FlagCheck, flag: string, text: string): string[] {
  const slo = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (slo.length === 0) c.problem(`${flag} must list at least one threshold, e.g. ${flag} "p99 < 250ms,errors < 1%"`);
  for (const t of slo) {
    const parsed = parseThreshold(t);
    if (typeof parsed === 'string') c.problem(`${flag}: ${parsed}`);
  }
  return slo;
}

/**
 * The request a `--target`-style URL and its `--path`/`--model` flags
 * describe: the URL's origin is the target; the request path is `--path`,
 * else the URL's path and query, else `/`; `--model` synthesises requests
 * from a request model instead (then the URL must have no path).
 */
export function loadTarget(c: FlagCheck, targetFlag: string, url: string | undefined, pathFlag: string, path: string | undefined, modelFlag: string, model: string | undefined):
  { target: string; source: { kind: 'model'; file: string } | { kind: 'fixed'; path: string } } | undefined {
  const t = c.target(targetFlag, url);
  const p = c.path(pathFlag, path);
  if (model !== undefined && path !== undefined) c.problem(`${pathFlag} sets one fixed request, but ${modelFlag} synthesises requests from the model: give one`);
  if (model !== undefined && t?.path) c.problem(`${targetFlag} ${url} has a path, but ${modelFlag} sends the model's paths: give the target as ${t.origin}`);
  if (!t) return undefined;
  return { target: t.origin, source: model !== undefined ? { kind: 'model', file: model } : { kind: 'fixed', path: p ?? t.path ?? '/' } };
}

export interface ScaleFlags {
  input?: string; prometheus?: string; query: string; since: string; unit: string; step?: string; horizon: string; capacity: string; target: string; current?: string; actuator: string;
  k8sServer?: string; namespace?: string; deployment?: string; statefulset?: string; hpa?: boolean;
  admin?: string; pool?: string; webhook?: string;
  validateTarget?: string; validatePath?: string; validateModel?: string; validatePool?: string; validateAdmin?: string; slo: string; validateDuration: string; attempts: string;
  leadTime: string; utilization: string; min: string; max: string; headroom: string; scaleIn?: boolean;
  watch?: string; metricsListen: string; metricsToken?: string; state?: string; json?: boolean;
}

/** How `scale` spells each scaler config path: its problems are named by flag. */
export const SCALE_FLAG_NAMES: Readonly<Record<string, string>> = {
  target: '--target', capacityPerReplica: '--capacity', horizonMs: '--horizon', intervalMs: '--watch',
  history: '--input', 'history.file': '--input', 'history.unit': '--unit', 'history.stepMs': '--step', 'history.url': '--prometheus', 'history.query': '--query', 'history.sinceMs': '--since',
  'policy.targetUtilization': '--utilization', 'policy.minReplicas': '--min', 'policy.maxReplicas': '--max', 'policy.leadTimeMs': '--lead-time', 'policy.headroom': '--headroom',
  actuator: '--actuator', 'actuator.kind': '--actuator', 'actuator.current': '--current', 'actuator.server': '--k8s-server', 'actuator.token': 'SHADOWTWIN_K8S_TOKEN',
  'actuator.namespace': '--namespace', 'actuator.deployment': '--deployment', 'actuator.statefulset': '--statefulset',
  'actuator.admin': '--admin', 'actuator.pool': '--pool', 'actuator.url': '--webhook',
  'metrics.listen': '--metrics-listen', 'metrics.token': '--metrics-token (or SHADOWTWIN_METRICS_TOKEN)',
};

const UNITS: Record<string, string> = { rps: 'req/s', count: 'per-step' };

/** The actuator part of the config, only with the flags its kind reads. */
function actuatorFromFlags(f: ScaleFlags, env: NodeJS.ProcessEnv): Record<string, unknown> {
  switch (f.actuator) {
    case 'dry-run': return { kind: 'dry-run', current: f.current };
    case 'kubernetes': return { kind: 'kubernetes', server: f.k8sServer, token: f.k8sServer ? env.SHADOWTWIN_K8S_TOKEN : undefined, namespace: f.namespace, deployment: f.deployment, statefulset: f.statefulset, respectHpa: f.hpa !== false };
    case 'membership': return { kind: 'membership', admin: f.admin, pool: list(f.pool), token: env.SHADOWTWIN_ADMIN_TOKEN };
    case 'webhook': return { kind: 'webhook', url: f.webhook, current: f.current };
    default: return { kind: f.actuator };
  }
}

/** `scale`'s flags as a scaler config, as typed (the schema checks and converts them). */
export function scalerConfigFromFlags(f: ScaleFlags, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const history = f.prometheus !== undefined
    ? { kind: 'prometheus', url: f.prometheus, query: f.query, sinceMs: f.since, stepMs: f.step ?? '5m', token: env.SHADOWTWIN_PROMETHEUS_TOKEN }
    : f.input !== undefined ? { kind: 'file', file: f.input, unit: UNITS[f.unit] ?? f.unit, stepMs: f.step ?? '1m' } : undefined;
  return {
    target: f.target, capacityPerReplica: f.capacity, horizonMs: f.horizon, intervalMs: f.watch ?? '1m', history,
    policy: { leadTimeMs: f.leadTime, targetUtilization: f.utilization, minReplicas: f.min, maxReplicas: f.max, headroom: f.headroom, scaleInOnForecast: f.scaleIn === true },
    actuator: actuatorFromFlags(f, env),
    metrics: { listen: f.metricsListen, token: f.metricsToken ?? env.SHADOWTWIN_METRICS_TOKEN },
  };
}

/**
 * `scale --validate-target URL` and its companions, checked in the user's
 * words into `c`, into the validation the loop runs (undefined without
 * --validate-target). Each validation run says on stderr what it is doing.
 */
export function validationFromFlags(c: FlagCheck, f: ScaleFlags, progress: (line: string) => void = (l) => process.stderr.write(l + '\n')): ValidationConfig | undefined {
  if (f.validateTarget === undefined) {
    for (const [flag, v] of [['--validate-path', f.validatePath], ['--validate-model', f.validateModel], ['--validate-pool', f.validatePool], ['--validate-admin', f.validateAdmin]] as const) {
      if (v !== undefined) c.problem(`${flag} needs --validate-target URL (the secondary to validate against)`);
    }
    return undefined;
  }
  const load = loadTarget(c, '--validate-target', f.validateTarget, '--validate-path', f.validatePath, '--validate-model', f.validateModel);
  const durationMs = c.duration('--validate-duration', f.validateDuration, { positive: true });
  const attempts = c.number('--attempts', f.attempts, { min: 1, integer: true });
  const slo = sloFlag(c, '--slo', f.slo);
  if (f.validatePool !== undefined && f.validateAdmin === undefined) c.problem('--validate-pool needs --validate-admin (the secondary sidecar\'s admin URL)');
  if (!load || durationMs === undefined || attempts === undefined) return undefined;
  const pool = f.validatePool ? new MembershipActuator(f.validateAdmin!, list(f.validatePool)!, process.env.SHADOWTWIN_ADMIN_TOKEN) : undefined;
  return {
    prepare: async (n) => {
      if (pool) await pool.apply(n, 'validation');
      progress(`validating ${n} replica${n === 1 ? '' : 's'}: ${f.validateDuration} of synthetic load against ${f.validateTarget}…`);
    },
    scenario: { target: load.target, duration: durationMs, source: load.source, primary: list(process.env.SHADOWTWIN_PRIMARY) ?? [] },
    slo,
    maxAttempts: attempts,
  };
}
