import { SCALE_LOOP_STATE_CONTRACT, SCALE_LOOP_STATE_KIND, SCALE_RECORD_KIND, ShadowtwinError, type Logger, type ScaleLoopStateDocument, type ScaleRecordDocument, type WindowDocument } from '../../common/index.js';
import type { ForecastResult } from '../../forecast/index.js';
import { modelFromWindows, type RequestModel } from '../../profiler/index.js';
import { capacityForMix, createActuator, readCostModel, ScaleLoop, windowBreaches, type Actuator, type CostModel, type ScaleRecord } from '../../scaler/index.js';
import type { EventInput } from '../store/index.js';
import type { ControllerStore } from '../store/index.js';
import { planningForecast, type PlanningForecast } from './forecast-confidence.js';
import { resourceFailures } from './resource-check.js';
import { awaitsApproval, recordId, type ListedRecord, type ScaleRecords } from './scale-records.js';
import type { ScalingTargetConfig } from './scaling-config.js';

export interface TargetLoopDeps {
  service: string;
  config: ScalingTargetConfig;
  store: ControllerStore;
  records: ScaleRecords;
  /** The controller's forecast of the service (`controller.forecasts.forecast`). */
  forecastOf(service: string): ForecastResult | undefined;
  /** The interval level of the controller's forecasts (confidence is judged on it). */
  level: number;
  /** The service's current primary rate over its pods (the fleet view's), undefined before its first windows. */
  currentRate(service: string): number | undefined;
  /** Recent primary windows of the service (the live mix the validation load is synthesised from). */
  recentWindows(service: string): WindowDocument[];
  /** Stores and shows controller events. */
  record(events: EventInput[]): void;
  log: Logger;
  now(): number;
}

/**
 * One scaling target hosted by the controller: a `ScaleLoop` fed the
 * service's committed windows, planning on the controller's forecast (made
 * conservative when its confidence is low), validating scale-ups with
 * synthetic load of today's route mix against the secondary, and applying
 * (auto) or waiting for approval (approve). Every round's record is stored
 * and its steps recorded as events; the loop's state is stored after each
 * round and restored at start.
 */
export class TargetLoop {
  readonly service: string;
  readonly target: string;
  readonly config: ScalingTargetConfig;
  readonly actuator: Actuator;
  private readonly loop: ScaleLoop;
  private readonly validationActuator: Actuator | undefined;
  private readonly costModel: CostModel | undefined;
  /** The request model of the next validation run (built from the live windows before each attempt). */
  private model: RequestModel | undefined;
  private planning: PlanningForecast | undefined;
  private roundId: string | undefined;
  private busy: Promise<ScaleRecordDocument | undefined> | undefined;
  private lastRoundAt = 0;
  /** The replicas the target runs, as last read from its actuator. */
  replicas: number | null = null;
  /** The newest stored record and the one waiting for approval (kept in memory: the state document asks often). */
  private last: ListedRecord | undefined;
  private pendingId: string | undefined;
  /** A secondary (or generator) window of the service breached the SLO since the last round. */
  private breached = false;

  constructor(private readonly d: TargetLoopDeps) {
    const c = d.config;
    this.service = d.service;
    this.target = c.target;
    this.config = c;
    this.actuator = createActuator(c.actuator);
    this.validationActuator = c.validation.actuator ? createActuator(c.validation.actuator) : undefined;
    this.costModel = c.costModel ? readCostModel(c.costModel.file) : undefined;
    const v = c.validation;
    this.loop = new ScaleLoop({
      target: c.target,
      capacityPerReplica: c.capacityPerReplica ?? 1,
      ...(this.costModel ? { capacity: () => this.costCapacity() } : {}),
      actuator: this.actuator,
      policy: { ...c.policy },
      slo: { ...c.slo },
      intervalMs: c.interval,
      dryRun: c.mode === 'approve',
      validation: {
        prepare: (replicas) => this.prepare(replicas),
        scenario: { target: v.target, source: { kind: 'model' }, duration: v.duration, seed: 1 },
        inputs: () => ({ model: this.model }),
        slo: [`p99 < ${c.slo.p99Ms}ms`, `errors < ${c.slo.errorRate * 100}%`],
        maxAttempts: v.maxAttempts,
        ...(v.prometheus ? { check: (range) => resourceFailures(v, range) } : {}),
      },
      forecast: (now) => Promise.resolve(this.forecast(now)),
      observe: () => Promise.resolve(this.observe()),
      clock: d.now,
    });
    this.restore();
    const recent = d.records.list({ service: d.service, target: c.target, limit: 50 });
    this.last = recent[0];
    this.pendingId = recent.find((r) => r.pending)?.id;
    this.loop.on('proposal', (p) => {
      // The loop records its own fixed confidence; the controller's comes from the forecast's backtest.
      if (this.planning) {
        p.confidence = this.planning.confidence;
        if (this.planning.note) p.reason = `${p.reason}; ${this.planning.note}`;
      }
      // A round that keeps the size is in the loop's state, not in the records and events (one per interval would drown them).
      if (p.replicas !== p.current) this.d.record([{ kind: 'proposal', service: this.service, payload: { id: this.roundId, ...p, conservative: this.planning?.conservative ?? false } }]);
    });
    this.loop.on('validation', (a) => {
      this.d.record([{ kind: 'validation', service: this.service, payload: { id: this.roundId, target: this.target, replicas: a.replicas, pass: a.pass, failed: a.failed, requests: a.summary.requests, errors: a.summary.errors, achievedRate: a.summary.achievedRate, p99Ms: a.summary.latencyMs.p99 } }]);
    });
    this.loop.on('warning', (m) => this.d.log.warn({ service: this.service, target: this.target }, m));
  }

  private restore(): void {
    const saved = this.d.store.getDocument<ScaleLoopStateDocument>(SCALE_LOOP_STATE_KIND, this.stateKey, SCALE_LOOP_STATE_CONTRACT);
    if (saved) this.loop.restoreState(saved.doc, `the stored state of ${this.service}/${this.target}`);
  }

  private get stateKey(): string { return `${this.service}:${this.target}`; }

  private costCapacity(): number {
    const mix: Record<string, number> = {};
    for (const w of this.d.recentWindows(this.service)) for (const r of w.routes) mix[`${r.method} ${r.route}`] = (mix[`${r.method} ${r.route}`] ?? 0) + r.requests;
    return capacityForMix(this.costModel!, mix, this.config.costModel!.resourcePerReplica);
  }

  private forecast(now: number): PlanningForecast['points'] {
    const f = this.d.forecastOf(this.service);
    if (!f || f.points.length === 0) throw new ShadowtwinError('ST_ERR_INPUT_EMPTY', `no forecast of ${this.service} yet (it needs a few minutes of windows, or forecast.prometheus to seed the history); ${this.target} waits for it`);
    this.planning = planningForecast(f, this.d.level, this.config.minConfidence);
    return this.planning.points.filter((p) => p.ts >= now - f.stepMs);
  }

  /** Before each validation attempt: today's mix as the run's request model, and the secondary at `replicas`. */
  private async prepare(replicas: number): Promise<void> {
    const windows = this.d.recentWindows(this.service);
    const model = modelFromWindows(windows);
    if (model.routes.length === 0) throw new ShadowtwinError('ST_ERR_INPUT_EMPTY', `validation of ${this.service}/${this.target}: no recent primary windows with routes to synthesise the load from`);
    this.model = model;
    if (this.validationActuator) await this.validationActuator.apply(replicas, `validation run of ${this.target}`);
  }

  /**
   * What feedback sees each round: the fleet view's rate (summed over pods
   * whatever their windows' alignment) and whether a secondary window
   * breached the SLO since the last round.
   */
  private observe(): { rate: number; sloBreached: boolean } | undefined {
    const rate = this.d.currentRate(this.service);
    if (rate === undefined) return undefined;
    const sloBreached = this.breached;
    this.breached = false;
    return { rate, sloBreached };
  }

  /** Feeds committed windows (primary: the loop's rate series, kept in its state; secondary/generator: SLO breaches for feedback). */
  feed(windows: readonly WindowDocument[]): void {
    const mine = windows.filter((w) => w.source.service === this.service);
    if (mine.length === 0) return;
    this.loop.feed(mine);
    if (!this.breached) this.breached = mine.some((w) => w.source.role !== 'primary' && windowBreaches(w, this.config.slo));
  }

  /** A round is due (interval passed, none running, no proposal waiting for approval). */
  due(now: number): boolean {
    return !this.busy && now - this.lastRoundAt >= this.config.interval;
  }

  /**
   * One round now (the schedule's or `Propose`'s): expires an old pending
   * proposal; while one waits, nothing else is proposed (returns undefined).
   * Otherwise proposal → validation → decision, stored with its events
   * (a round that kept the size is returned, not stored), then the loop's
   * state.
   */
  round(now = this.d.now()): Promise<ScaleRecordDocument | undefined> {
    this.busy ??= this.runRound(now).finally(() => { this.busy = undefined; });
    return this.busy;
  }

  private async runRound(now: number): Promise<ScaleRecordDocument | undefined> {
    this.lastRoundAt = now;
    if (this.pendingId !== undefined) {
      const waiting = this.d.store.getDocument<ScaleRecordDocument>(SCALE_RECORD_KIND, this.pendingId)?.doc;
      if (!waiting) this.pendingId = undefined; // removed by retention
      else if (now - waiting.startedAt < this.config.approveWithin) return undefined;
      else this.review(this.pendingId, { action: 'expired', at: now, reason: `not approved within ${this.config.approveWithin / 1000}s` });
    }
    const before = this.validationActuator ? await this.validationActuator.current() : undefined;
    this.roundId = recordId(this.service, this.target, now);
    let rec: ScaleRecord;
    let doc: ScaleRecordDocument | undefined;
    const onRecord = (r: ScaleRecordDocument): void => { doc = r; };
    this.loop.once('record', onRecord);
    try {
      rec = await this.loop.round(now);
    } finally {
      this.loop.off('record', onRecord);
      if (this.validationActuator && before !== undefined) {
        // The secondary goes back to its size unless this round applied a new one.
        const applied = doc?.decision === 'applied';
        if (!applied) await this.validationActuator.apply(before, 'validation done').catch((err: Error) => this.d.log.warn({ err }, 'could not restore the secondary after validation'));
      }
      this.saveState();
    }
    this.replicas = rec.decision === 'applied' ? rec.proposal.replicas : rec.proposal.current;
    const stored: ScaleRecordDocument = { ...doc!, service: this.service, mode: this.config.mode };
    if (rec.decision === 'unchanged') return stored;
    const id = this.d.records.put(this.service, stored);
    this.last = { id, pending: awaitsApproval(stored), record: stored };
    if (this.last.pending) this.pendingId = id;
    this.d.record([{ kind: 'decision', service: this.service, payload: { id, target: this.target, decision: stored.decision, pending: stored.mode === 'approve' && stored.decision === 'dry-run', replicas: stored.proposal.replicas, current: stored.proposal.current, ...(stored.applied ? { applied: stored.applied } : {}) } }]);
    return stored;
  }

  private saveState(): void {
    try {
      this.d.store.putDocument(this.stateKey, this.loop.exportState(), SCALE_LOOP_STATE_CONTRACT);
    } catch (err) {
      this.d.log.warn({ err, service: this.service, target: this.target }, 'the scale loop state could not be stored; a restart resumes from the previous one');
    }
  }

  private review(id: string, review: NonNullable<ScaleRecordDocument['review']>, update: Partial<ScaleRecordDocument> = {}): ScaleRecordDocument {
    const rec = { ...this.d.records.get(id), ...update, review };
    this.d.records.put(this.service, rec);
    if (this.pendingId === id) this.pendingId = undefined;
    if (this.last?.id === id) this.last = { id, pending: false, record: rec };
    this.d.record([{ kind: 'decision', service: this.service, payload: { id, target: this.target, decision: rec.decision, review: review.action, ...(review.reason ? { reason: review.reason } : {}), replicas: rec.proposal.replicas, ...(rec.applied ? { applied: rec.applied } : {}) } }]);
    return rec;
  }

  private pendingOrThrow(id: string): ScaleRecordDocument {
    const rec = this.d.records.get(id);
    if (this.pendingId !== id) {
      const why = rec.review ? `it was ${rec.review.action}` : rec.mode !== 'approve' ? `${this.target} runs in ${rec.mode ?? 'auto'} mode` : rec.decision !== 'dry-run' ? `its decision was ${rec.decision}` : 'a newer proposal superseded it';
      throw new ShadowtwinError('ST_ERR_CONTROL_PROPOSAL_NOT_PENDING', `proposal ${id} is not waiting for approval: ${why}`);
    }
    return rec;
  }

  /** Applies a pending proposal through the actuator (after any running round). */
  async approve(id: string): Promise<ScaleRecordDocument> {
    await this.busy;
    const rec = this.pendingOrThrow(id);
    const applied = await this.actuator.apply(rec.proposal.replicas, `approved: ${rec.proposal.reason}`);
    const at = this.d.now();
    this.replicas = rec.proposal.replicas;
    this.loop.noteApplied(at);
    this.saveState();
    return this.review(id, { action: 'approved', at }, { decision: 'applied', applied, decidedAt: at });
  }

  /** Records the rejection of a pending proposal (nothing is applied; rounds resume). */
  async reject(id: string, reason: string): Promise<ScaleRecordDocument> {
    await this.busy;
    this.pendingOrThrow(id);
    const at = this.d.now();
    return this.review(id, { action: 'rejected', at, reason }, { decision: 'rejected', decidedAt: at });
  }

  /** Reads the target's size (for the state document); keeps the last known on failure. */
  async refreshReplicas(): Promise<void> {
    try { this.replicas = await this.actuator.current(); } catch { /* the last known size stays */ }
  }

  /** The target's newest stored record (its last decision). */
  get lastRecord(): ListedRecord | undefined { return this.last; }

  /** The loop's state as stored after each round (`shadowtwin.scale-loop-state`). */
  state(): ScaleLoopStateDocument {
    return this.loop.exportState();
  }

  /** Waits for a running round (shutdown). */
  async settle(): Promise<void> {
    await this.busy?.catch(() => undefined);
  }
}
