import { ShadowtwinError, type ScaleProposal } from '../common/index.js';
import { parseScenario, prepareRun, unansweredRun, type RunInputs, type RunReport, type ScenarioInput, type Threshold } from '../generator/index.js';
import type { Actuator } from './actuator.js';
import { decide, DEFAULT_POLICY, type Decision, type ForecastPointLike, type ScalePolicy } from './policy.js';

/** What a round proposed (the scale-record contract's proposal). */
export type Proposal = ScaleProposal;

export interface ValidationAttempt {
  replicas: number;
  pass: boolean;
  failed: string[];
  summary: RunReport['summary'];
}

export interface ScaleRecord {
  proposal: Proposal;
  attempts: ValidationAttempt[];
  decision: 'applied' | 'unchanged' | 'rejected' | 'dry-run';
  applied?: string;
  policy: Decision;
}

export interface ValidationConfig {
  /** Puts the secondary at `replicas` (a staging deployment, a membership set). */
  prepare(replicas: number): Promise<void>;
  /** Synthetic load for the validation run; `target`, `load` and `thresholds` are filled in. */
  scenario: Omit<ScenarioInput, 'target' | 'load' | 'thresholds' | 'duration'> & { target: string; duration?: string | number };
  /** SLO as thresholds, e.g. ["p99 < 250ms", "errors < 1%"]. */
  slo: Array<string | Threshold>;
  /** Tries (the proposal, then one size up each time) before giving up. */
  maxAttempts: number;
  /** Documents for the run instead of the scenario's files (e.g. a request model built just now), read after `prepare`. */
  inputs?(): RunInputs;
  /** More checks over the run's time range (e.g. the secondary's CPU and memory): failures, empty when it passed. */
  check?(range: { start: number; end: number }, replicas: number): Promise<string[]>;
}

/** Where a round reports its steps (a scale loop, or any emitter). */
export interface RoundEvents {
  emit(event: 'proposal', proposal: Proposal): unknown;
  emit(event: 'validation', attempt: ValidationAttempt): unknown;
  emit(event: 'decision', record: ScaleRecord): unknown;
}

const silent: RoundEvents = { emit: () => undefined };

export interface ScaleRoundInput {
  target: string;
  forecast: readonly ForecastPointLike[];
  capacityPerReplica: number;
  actuator: Actuator;
  policy?: Partial<ScalePolicy>;
  observedRate?: number;
  now?: number;
  confidence?: number;
  recentDesired?: Array<{ at: number; replicas: number }>;
  lastChangeAt?: number;
  validation?: ValidationConfig;
  dryRun?: boolean;
}

/**
 * One round: forecast → proposal (policy) → validation with synthetic load
 * at the proposal's expected rate against the secondary prepared at the
 * proposed size (re-proposing one size up while the SLO fails) → apply.
 * Nothing is scaled up without a passing validation when validation is
 * configured; a validation run with no HTTP answer at all throws
 * ST_ERR_TARGET_UNREACHABLE (nothing is applied). Events: `proposal`, `validation`, `decision`.
 */
export async function scaleRound(input: ScaleRoundInput, events: RoundEvents = silent): Promise<ScaleRecord> {
  const policy = { ...DEFAULT_POLICY, ...input.policy };
  const now = input.now ?? Date.now();
  const current = await input.actuator.current();
  const d = decide({ now, forecast: input.forecast, capacityPerReplica: input.capacityPerReplica, currentReplicas: current, observedRate: input.observedRate, recentDesired: input.recentDesired, lastChangeAt: input.lastChangeAt }, policy);
  const last = input.forecast[input.forecast.length - 1];
  const proposal: Proposal = {
    target: input.target, current, replicas: d.replicas, expectedRate: d.expectedRate,
    horizonMs: last ? last.ts - now : 0, confidence: input.confidence ?? 0.8, reason: d.reason, createdAt: new Date(now).toISOString(),
  };
  events.emit('proposal', proposal);
  const record: ScaleRecord = { proposal, attempts: [], decision: 'unchanged', policy: d };
  if (d.change === 'none') {
    events.emit('decision', record);
    return record;
  }

  let replicas = d.replicas;
  if (input.validation && d.change === 'up') {
    const v = input.validation;
    let accepted = false;
    for (let attempt = 0; attempt < v.maxAttempts && replicas <= policy.maxReplicas; attempt++, replicas++) {
      await v.prepare(replicas);
      const inputs = v.inputs?.() ?? {};
      const scenario = parseScenario({
        ...v.scenario,
        // The actuator's pool hosts are live production hosts: the generator refuses them like primaries (resolved addresses).
        primary: [...(v.scenario.primary ?? []), ...(input.actuator.hosts?.() ?? [])],
        duration: v.scenario.duration ?? '20s',
        load: { executor: 'constant-rate', rate: d.expectedRate },
        thresholds: v.slo,
      }, inputs);
      const started = Date.now();
      const report = await (await prepareRun(scenario, { inputs })).execute();
      // No HTTP answer at all says nothing about the size: the target is down or wrong, not too small.
      const unanswered = unansweredRun(report);
      if (unanswered) throw new ShadowtwinError('ST_ERR_TARGET_UNREACHABLE', `validation at ${replicas} replicas: ${unanswered}`);
      const failed = report.thresholds.filter((t) => !t.pass).map((t) => `${t.route ? t.route + ' ' : ''}${t.expr} (actual ${Number.isFinite(t.actual) ? +t.actual.toFixed(4) : t.actual})`);
      if (v.check) failed.push(...await v.check({ start: started, end: Date.now() }, replicas));
      const pass = report.pass && failed.length === 0;
      const a: ValidationAttempt = { replicas, pass, failed, summary: report.summary };
      record.attempts.push(a);
      events.emit('validation', a);
      if (pass) { accepted = true; break; }
    }
    if (!accepted) {
      record.decision = 'rejected';
      events.emit('decision', record);
      return record;
    }
  }
  proposal.replicas = replicas;
  if (input.dryRun) {
    record.decision = 'dry-run';
    record.applied = `dry run: would scale ${current} → ${replicas}`;
  } else {
    record.applied = await input.actuator.apply(replicas, d.reason);
    record.decision = 'applied';
  }
  events.emit('decision', record);
  return record;
}
