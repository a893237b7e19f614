import { z } from 'zod';
import { boundedDuration, type ConfigIssue, type PlainObject } from '../../common/index.js';
import { scalerChecks, scalerConfigSchema } from '../../scaler/index.js';

const scaler = scalerConfigSchema.shape;
const url = z.string().refine((v) => { try { return /^https?:$/.test(new URL(v).protocol); } catch { return false; } }, { message: 'must be an http(s) URL, e.g. http://127.0.0.1:15001' });
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/, 'must be 1-253 letters, digits, ".", "_" or "-"');
const positive = z.number().positive('must be above 0').refine(Number.isFinite, 'must be a finite number');

/**
 * One scaling target of a service (docs/controller.md, "Scaling"): the
 * scaler's own pieces (capacity, policy, actuator, SLO) plus how the
 * controller runs it (mode, interval, low-confidence rule, validation).
 */
export const scalingTargetSchema = z.strictObject({
  /** What is scaled (records, metrics, API ids); unique within the service. */
  target: name,
  /** Sustainable req/s of one replica (shadowtwin capacity); or `costModel`. */
  capacityPerReplica: scaler.capacityPerReplica.optional(),
  /** Capacity from a cost model (shadowtwin cost fit) and the live route mix, re-derived every round. */
  costModel: z.strictObject({
    file: z.string().min(1),
    /** The resource one replica has, in the cost model's unit (e.g. 1 core). */
    resourcePerReplica: positive,
  }).optional(),
  policy: scaler.policy,
  actuator: scaler.actuator,
  /** The SLO: validation thresholds, and what a breach is in the secondary's windows (feedback). */
  slo: scaler.slo,
  /** auto: apply validated proposals; approve: validate, then wait for approve/reject. */
  mode: z.enum(['auto', 'approve'], { error: 'must be auto or approve' }).prefault('auto'),
  /** approve mode: a proposal not approved or rejected within this expires (rounds pause while one waits). */
  approveWithin: boundedDuration(1_000, 7 * 86_400_000).prefault('1h'),
  /** Time between rounds. */
  interval: boundedDuration(1_000, 86_400_000).prefault('1m'),
  /** Below this forecast confidence (0–1) a proposal plans on the interval's upper bound (docs: "Low confidence"). */
  minConfidence: z.number().min(0).max(1).prefault(0.5),
  validation: z.strictObject({
    /** The secondary's URL the synthetic load goes to (its sidecar, role secondary); never the primary. */
    target: url,
    duration: boundedDuration(1_000, 3_600_000).prefault('20s'),
    /** Sizes the secondary to each attempt's replicas for its run (and back after a round that applied nothing); absent: the secondary runs as it is. */
    actuator: scaler.actuator.optional(),
    /** The proposal, then one size up each time, before giving up. */
    maxAttempts: z.number().int().min(1).max(10).prefault(3),
    /** Highest secondary CPU (cores, the query's unit) during the run; needs prometheus.cpu. */
    maxCpu: positive.optional(),
    /** Highest secondary memory (bytes, the query's unit) during the run; needs prometheus.memory. */
    maxMemory: positive.optional(),
    /** Where the secondary's CPU and memory are read over the run's time range (e.g. cAdvisor's series). */
    prometheus: z.strictObject({
      url,
      cpu: z.string().min(1).optional(),
      memory: z.string().min(1).optional(),
      token: z.string().min(1).optional(),
    }).optional(),
  }),
});

export type ScalingTargetConfig = z.output<typeof scalingTargetSchema>;

/** Rules across fields of each service's targets (raw input; they run even when the schema fails). */
export function scalingChecks(raw: PlainObject): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const services = Array.isArray(raw.services) ? raw.services as PlainObject[] : [];
  services.forEach((s, i) => {
    const targets = Array.isArray(s?.scaling) ? s.scaling as PlainObject[] : [];
    const seen: unknown[] = [];
    targets.forEach((t, j) => {
      if (!t || typeof t !== 'object') return;
      const at = `services[${i}].scaling[${j}]`;
      if (seen.includes(t.target)) issues.push({ path: `${at}.target`, message: `"${String(t.target)}" is listed twice in this service`, fix: 'name each target once' });
      seen.push(t.target);
      if ((t.capacityPerReplica === undefined) === (t.costModel === undefined)) {
        issues.push({ path: at, message: 'needs capacityPerReplica or costModel (one of them)', fix: 'measure it with shadowtwin capacity (capacityPerReplica: 50), or give costModel: { file: cost.json, resourcePerReplica: 1 }' });
      }
      issues.push(...scalerChecks(t, (p) => `${at}.${p}`));
      const v = (t.validation ?? {}) as PlainObject;
      if (v.actuator && typeof v.actuator === 'object') issues.push(...scalerChecks({ actuator: v.actuator }, (p) => `${at}.validation.${p}`));
      const prom = (v.prometheus ?? {}) as PlainObject;
      if (v.maxCpu !== undefined && !prom.cpu) issues.push({ path: `${at}.validation.maxCpu`, message: 'needs validation.prometheus.cpu (a PromQL query of the secondary\'s CPU)', fix: 'e.g. sum(rate(container_cpu_usage_seconds_total{pod=~"shop-secondary.*"}[1m]))' });
      if (v.maxMemory !== undefined && !prom.memory) issues.push({ path: `${at}.validation.maxMemory`, message: 'needs validation.prometheus.memory (a PromQL query of the secondary\'s memory)', fix: 'e.g. sum(container_memory_working_set_bytes{pod=~"shop-secondary.*"})' });
    });
  });
  return issues;
}
