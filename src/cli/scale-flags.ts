import { ShadowtwinError } from '../common/index.js';
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

export interface ScaleValidationFlags {
  validateTarget?: string; validatePath?: string; validateModel?: string; validatePool?: string; validateAdmin?: string;
  slo: string; validateDuration: string; attempts: string;
  capacity: string; current?: string; horizon: string; leadTime: string; utilization: string; min: string; max: string; headroom: string; watch?: string;
}

/** scale's own numeric flags, checked so a typo is named as typed rather than planned with as NaN. */
function checkScaleNumbers(c: FlagCheck, f: ScaleValidationFlags): void {
  c.number('--capacity', f.capacity, { min: 0, positive: true });
  c.number('--current', f.current, { min: 0, integer: true });
  c.duration('--horizon', f.horizon, { positive: true });
  c.duration('--lead-time', f.leadTime);
  c.number('--utilization', f.utilization, { min: 0, max: 1 });
  const min = c.number('--min', f.min, { min: 0, integer: true });
  const max = c.number('--max', f.max, { min: 1, integer: true });
  if (min !== undefined && max !== undefined && min > max) c.problem(`--min ${f.min} is above --max ${f.max}`);
  c.number('--headroom', f.headroom, { min: 0, positive: true });
  c.duration('--watch', f.watch, { positive: true });
}

/**
 * `scale --validate-target URL` and its companions (and scale's numeric
 * flags), checked in the user's words, into the validation the scale round runs (undefined without
 * --validate-target). Each validation run says on stderr what it is doing.
 */
export function validationFromFlags(f: ScaleValidationFlags, progress: (line: string) => void = (l) => process.stderr.write(l + '\n')): ValidationConfig | undefined {
  const c = new FlagCheck();
  checkScaleNumbers(c, f);
  if (f.validateTarget === undefined) {
    for (const [flag, v] of [['--validate-path', f.validatePath], ['--validate-model', f.validateModel], ['--validate-pool', f.validatePool], ['--validate-admin', f.validateAdmin]] as const) {
      if (v !== undefined) c.problem(`${flag} needs --validate-target URL (the secondary to validate against)`);
    }
    c.done();
    return undefined;
  }
  const load = loadTarget(c, '--validate-target', f.validateTarget, '--validate-path', f.validatePath, '--validate-model', f.validateModel);
  const durationMs = c.duration('--validate-duration', f.validateDuration, { positive: true });
  const attempts = c.number('--attempts', f.attempts, { min: 1, integer: true });
  const slo = sloFlag(c, '--slo', f.slo);
  if (f.validatePool !== undefined && f.validateAdmin === undefined) c.problem('--validate-pool needs --validate-admin (the secondary sidecar\'s admin URL)');
  c.done();
  if (!load) throw new ShadowtwinError('ST_ERR_USAGE', '--validate-target is required'); // unreachable: c.done() threw
  const pool = f.validatePool ? new MembershipActuator(f.validateAdmin!, list(f.validatePool)!, process.env.SHADOWTWIN_ADMIN_TOKEN) : undefined;
  return {
    prepare: async (n) => {
      if (pool) await pool.apply(n, 'validation');
      progress(`validating ${n} replica${n === 1 ? '' : 's'}: ${f.validateDuration} of synthetic load against ${f.validateTarget}…`);
    },
    scenario: { target: load.target, duration: durationMs, source: load.source, primary: list(process.env.SHADOWTWIN_PRIMARY) ?? [] },
    slo,
    maxAttempts: attempts!,
  };
}
