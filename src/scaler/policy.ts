/**
 * Scaling policy: forecast + capacity → desired replicas. Pure.
 *
 * desired = ceil(expected rate / (capacity per replica × target utilisation)),
 * where the expected rate is the highest forecast in the window that matters
 * (from now + lead time, when a replica started now would be ready, to the
 * end of the look-ahead), using the upper bound when the interval is wide,
 * times the headroom. Then: min/max, step limits, cooldown, and no scale-in
 * on forecast alone unless enabled (the observed rate must agree), with a
 * down-stabilisation window (the highest desired value seen in it wins).
 */
export interface ScalePolicy {
  targetUtilization: number;
  minReplicas: number;
  maxReplicas: number;
  /** Time for a new replica to become ready. */
  leadTimeMs: number;
  /** How far past the lead time to look. */
  lookAheadMs: number;
  headroom: number;
  /** (upper − point) / point above this → plan for the upper bound. */
  wideInterval: number;
  maxStepUp: number;
  maxStepDown: number;
  cooldownMs: number;
  stabilizationDownMs: number;
  scaleInOnForecast: boolean;
  /**
   * No change while the expected rate is within this share of what the
   * current replicas carry at target utilisation (the HPA's 10%): a forecast
   * hovering at a replica boundary should not buy one replica for noise.
   */
  tolerance: number;
}

export const DEFAULT_POLICY: ScalePolicy = {
  targetUtilization: 0.7, minReplicas: 1, maxReplicas: 50, leadTimeMs: 60_000, lookAheadMs: 5 * 60_000, headroom: 1.1,
  wideInterval: 0.5, maxStepUp: 10, maxStepDown: 2, cooldownMs: 60_000, stabilizationDownMs: 5 * 60_000, scaleInOnForecast: false, tolerance: 0.1,
};

export interface ForecastPointLike { ts: number; point: number; upper: number }

export interface PolicyInput {
  now: number;
  forecast: readonly ForecastPointLike[];
  /** Sustainable requests/s of one replica (from a capacity run). */
  capacityPerReplica: number;
  currentReplicas: number;
  /** Requests/s observed now (for scale-in confirmation and feedback). */
  observedRate?: number;
  /** Previous desired values (for the down-stabilisation window). */
  recentDesired?: ReadonlyArray<{ at: number; replicas: number }>;
  lastChangeAt?: number;
}

export interface Decision {
  replicas: number;
  desired: number;
  expectedRate: number;
  usedUpperBound: boolean;
  reason: string;
  change: 'up' | 'down' | 'none';
}

/**
 * Replicas that carry `rate` at the target utilisation: at least 1 (a service
 * that exists runs one replica; `cost project` answers with the same figure).
 */
export function replicasFor(rate: number, capacityPerReplica: number, targetUtilization: number): number {
  return Math.max(1, Math.ceil(rate / Math.max(1e-9, capacityPerReplica * targetUtilization)));
}

export function decide(input: PolicyInput, p: ScalePolicy = DEFAULT_POLICY): Decision {
  const from = input.now + p.leadTimeMs;
  const to = from + p.lookAheadMs;
  const window = input.forecast.filter((f) => f.ts >= input.now && f.ts <= to);
  const relevant = window.filter((f) => f.ts >= from);
  const pts = relevant.length ? relevant : window.length ? window : input.forecast.slice(0, 1);
  let expected = 0;
  let usedUpper = false;
  for (const f of pts) {
    const wide = f.point > 0 && (f.upper - f.point) / f.point > p.wideInterval;
    const v = wide ? f.upper : f.point;
    if (wide) usedUpper = true;
    expected = Math.max(expected, v);
  }
  expected *= p.headroom;
  let desired = Math.min(p.maxReplicas, Math.max(p.minReplicas, replicasFor(expected, input.capacityPerReplica, p.targetUtilization)));
  const cur = input.currentReplicas;
  const carried = cur * input.capacityPerReplica * p.targetUtilization;
  const withinTolerance = carried > 0 && Math.abs(expected / carried - 1) <= p.tolerance;
  if (withinTolerance) desired = Math.min(p.maxReplicas, Math.max(p.minReplicas, cur));
  const reasons = [`expected ${expected.toFixed(1)} req/s by ${new Date(to).toISOString()} (lead ${p.leadTimeMs / 1000}s${usedUpper ? ', upper bound: wide interval' : ''}, headroom ×${p.headroom})`, `capacity ${input.capacityPerReplica} req/s per replica at ${p.targetUtilization * 100}%`];
  if (withinTolerance) reasons.push(`within ${p.tolerance * 100}% of what ${cur} replicas carry: no change`);
  if (desired < cur) {
    if (!p.scaleInOnForecast) {
      const observedNeed = input.observedRate === undefined ? cur : replicasFor(input.observedRate * p.headroom, input.capacityPerReplica, p.targetUtilization);
      desired = Math.max(desired, observedNeed);
      if (desired >= cur) reasons.push('no scale-in on forecast alone (observed load does not allow it)');
    }
    const recent = (input.recentDesired ?? []).filter((d) => d.at >= input.now - p.stabilizationDownMs);
    const stab = Math.max(desired, ...recent.map((d) => d.replicas));
    if (stab > desired) { desired = stab; reasons.push(`down-stabilisation: ${p.stabilizationDownMs / 1000}s window`); }
  }
  let replicas = desired;
  if (replicas > cur) replicas = Math.min(replicas, cur + p.maxStepUp);
  if (replicas < cur) replicas = Math.max(replicas, cur - p.maxStepDown);
  if (replicas !== cur && input.lastChangeAt !== undefined && input.now - input.lastChangeAt < p.cooldownMs && replicas < cur) {
    replicas = cur;
    reasons.push('cooldown');
  }
  return { replicas, desired, expectedRate: Math.round(expected * 100) / 100, usedUpperBound: usedUpper, reason: reasons.join('; '), change: replicas > cur ? 'up' : replicas < cur ? 'down' : 'none' };
}

/** The HPA's formula (the reactive reference): ceil(current × utilisation / target utilisation), unchanged within the tolerance (default 10%). */
export function reactiveDecision(currentReplicas: number, observedRate: number, capacityPerReplica: number, targetUtilization: number, minReplicas: number, maxReplicas: number, tolerance = 0.1): number {
  const utilization = observedRate / Math.max(1e-9, currentReplicas * capacityPerReplica);
  const ratio = utilization / targetUtilization;
  if (Math.abs(ratio - 1) <= tolerance) return currentReplicas;
  return Math.min(maxReplicas, Math.max(minReplicas, Math.ceil(currentReplicas * ratio)));
}
