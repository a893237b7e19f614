import { EventEmitter } from 'node:events';
import { Gauge, Registry } from 'prom-client';
import { readDocument, SCALE_LOOP_STATE_CONTRACT, SCALE_LOOP_STATE_KIND, ShadowtwinError, startEndpoint, type HttpEndpoint, type ScaleLoopStateDocument, type ScaleRecordDocument, type WindowDocument } from '../common/index.js';
import type { Actuator } from './actuator.js';
import { createActuator } from './actuator-registry.js';
import { feedback, type FeedbackState } from './feedback.js';
import { loadHistory, planningForecast, type HistorySource } from './history-forecast.js';
import { EMPTY_SCORES, notePrediction, scoreLeadTime, useShortTerm, type LeadTimeScores } from './lead-time-choice.js';
import { DEFAULT_POLICY, type ForecastPointLike, type ScalePolicy } from './policy.js';
import { RateObservations, type SloLimits } from './rate-observations.js';
import { scaleRecordDocument } from './scale-record-document.js';
import type { ScaleForecastEvent, ForecastSource, ScaleLoopEvents } from './scale-loop-events.js';
import { scaleRound, type ScaleRecord, type ValidationConfig } from './scale-round.js';
import type { ScalerConfig } from './scaler-config.js';
import { dampedTrendForecast, type DampedTrendOptions } from './short-term-forecast.js';

export const SCALER_METRIC = {
  predictedRate: 'shadowtwin_scaler_predicted_requests_per_second',
  desiredReplicas: 'shadowtwin_scaler_desired_replicas',
  headroom: 'shadowtwin_scaler_headroom_ratio',
  forecastError: 'shadowtwin_scaler_forecast_abs_error_ratio',
} as const;

export interface ScaleLoopOptions {
  target: string;
  capacityPerReplica: number;
  /** Re-derived before each round instead of the fixed `capacityPerReplica` (a cost model over the live route mix). */
  capacity?(): number;
  actuator: Actuator;
  policy?: Partial<ScalePolicy>;
  /** Validate scale-ups with synthetic load first (nothing is scaled up without a pass). */
  validation?: ValidationConfig;
  dryRun?: boolean;
  /** Confidence recorded with proposals (default 0.8). */
  confidence?: number;
  /** Time between rounds of `start()`. */
  intervalMs: number;
  /** History for the planning forecast (a file or Prometheus), re-read every round. */
  history?: HistorySource;
  /** Planning horizon (default 1 h), and how the user wrote it (for messages). */
  horizonMs?: number;
  horizonText?: string;
  /** A forecast of the caller's instead of history and fed windows. */
  forecast?(now: number): Promise<ForecastPointLike[]>;
  /** An observation of the caller's instead of fed windows: rate and whether the SLO was breached since the last round (undefined: nothing observed yet, no feedback). */
  observe?(): Promise<{ rate: number; sloBreached: boolean } | undefined>;
  /** What a breach is in fed secondary/generator windows (default p99 250 ms, errors 1%). */
  slo?: SloLimits;
  /** Points of the observed rate kept (default 600). */
  rateWindow?: number;
  /** The damped trend over fed windows (lead-time horizon). */
  shortTerm?: DampedTrendOptions;
  /** Records kept in the state (default 20). */
  keepDecisions?: number;
  /** The loop's clock (epoch ms; default Date.now). */
  clock?(): number;
}

const HOUR = 3_600_000;

/**
 * The live scaling loop as a library (`shadowtwin scale`, the scaling
 * benchmark, a controller): fed sidecar windows (`feed`) and/or a history
 * (file or Prometheus), each `round` observes (rate, SLO breach) → feedback
 * (headroom) → forecast (the damped trend of fed windows for the lead-time
 * horizon, the backtested forecaster over the history beyond it) → proposal
 * (policy) → validation runs → decision (actuator). Events: `ScaleLoopEvents`.
 * `exportState`/`restoreState` carry everything a restarted loop needs to
 * decide as if it had never stopped.
 */
export class ScaleLoop extends EventEmitter<ScaleLoopEvents> {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private state: FeedbackState;
  private recent: Array<{ at: number; replicas: number }> = [];
  private lastChangeAt: number | undefined;
  private lastForecast: { rate: number; at: number } | undefined;
  private decisions: ScaleRecordDocument[] = [];
  private leadScores: LeadTimeScores = EMPTY_SCORES;
  private readonly observations: RateObservations;
  private readonly warned = new Set<string>();
  private readonly policy: ScalePolicy;
  private readonly clock: () => number;
  readonly registry = new Registry();
  private readonly gauges;

  constructor(private readonly o: ScaleLoopOptions) {
    super();
    this.policy = { ...DEFAULT_POLICY, ...o.policy };
    this.clock = o.clock ?? Date.now;
    this.state = { headroom: this.policy.headroom, breaches: 0, forecastErrors: [] };
    this.observations = new RateObservations(o.rateWindow ?? 600, o.slo ?? { p99Ms: 250, errorRate: 0.01 });
    this.gauges = {
      predicted: new Gauge({ name: SCALER_METRIC.predictedRate, help: 'Expected request rate the last proposal planned for.', labelNames: ['target'] as const, registers: [this.registry] }),
      desired: new Gauge({ name: SCALER_METRIC.desiredReplicas, help: 'Replicas the last validated proposal asked for.', labelNames: ['target'] as const, registers: [this.registry] }),
      headroom: new Gauge({ name: SCALER_METRIC.headroom, help: 'Current headroom multiplier (feedback-adjusted).', labelNames: ['target'] as const, registers: [this.registry] }),
      error: new Gauge({ name: SCALER_METRIC.forecastError, help: 'Mean absolute relative forecast error over recent rounds.', labelNames: ['target'] as const, registers: [this.registry] }),
    };
  }

  /** A loop from a validated config (`parseScalerConfig`); the actuator comes from the registry unless given. */
  static fromConfig(c: ScalerConfig, extra: Partial<Pick<ScaleLoopOptions, 'actuator' | 'validation' | 'dryRun' | 'horizonText' | 'forecast' | 'observe' | 'clock' | 'shortTerm'>> = {}): ScaleLoop {
    return new ScaleLoop({
      target: c.target, capacityPerReplica: c.capacityPerReplica, intervalMs: c.intervalMs, confidence: c.confidence,
      policy: { ...c.policy }, history: c.history, horizonMs: c.horizonMs, slo: { ...c.slo }, rateWindow: c.rateWindow,
      ...extra,
      actuator: extra.actuator ?? createActuator(c.actuator),
    });
  }

  get feedbackState(): FeedbackState { return this.state; }
  /** The observed rate series from fed primary windows. */
  get rates(): ReadonlyArray<{ t: number; rate: number }> { return this.observations.rates; }

  /** Feeds windows: role primary is the served rate; secondary/generator are SLO data for feedback. */
  feed(windows: WindowDocument | readonly WindowDocument[]): void {
    for (const w of Array.isArray(windows) ? windows as WindowDocument[] : [windows as WindowDocument]) this.observations.feed(w);
  }

  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.emit('warning', message);
  }

  private async forecastAt(now: number): Promise<ScaleForecastEvent> {
    if (this.o.forecast) return { at: now, source: 'custom', points: await this.o.forecast(now) };
    const step = this.observations.stepMs;
    const aheadMs = this.policy.leadTimeMs + this.policy.lookAheadMs;
    const short = step !== undefined ? dampedTrendForecast(this.observations.rates, now, aheadMs, step, this.o.shortTerm) : undefined;
    const planning = this.o.history ? await planningForecast(await loadHistory(this.o.history, now, (m) => this.warn(m)), now, this.o.horizonMs ?? HOUR, this.o.horizonText) : undefined;
    if (short && planning) {
      // The trend of what is being served covers the lead-time horizon while it predicts it at least as
      // well as the history's forecast (measured at the lead time, round by round); the history the rest.
      this.leadScores = notePrediction(scoreLeadTime(this.leadScores, this.observations.rates), now + this.policy.leadTimeMs, short, planning);
      if (!useShortTerm(this.leadScores)) return { at: now, source: 'history', points: planning };
      const end = short.at(-1)!.ts;
      return { at: now, source: 'history+short-term' as ForecastSource, points: [...short, ...planning.filter((p) => p.ts > end)] };
    }
    if (short) return { at: now, source: 'short-term', points: short };
    if (planning) return { at: now, source: 'history', points: planning };
    throw new ShadowtwinError('ST_ERR_INPUT_EMPTY', `scale loop ${this.o.target}: nothing to forecast from yet; feed it windows of role primary, or give it a history (a file or Prometheus)`);
  }

  /** One round at `now` (default: the loop's clock). */
  async round(now: number = this.clock()): Promise<ScaleRecord> {
    const capacityPerReplica = this.o.capacity?.() ?? this.o.capacityPerReplica;
    const observed = this.o.observe ? await this.o.observe()
      : this.observations.lastRate !== undefined ? { rate: this.observations.lastRate, sloBreached: this.observations.takeBreach() } : undefined;
    if (observed) {
      const current = await this.o.actuator.current();
      this.state = feedback(this.state, {
        sloBreached: observed.sloBreached, utilization: observed.rate / Math.max(1e-9, current * capacityPerReplica), targetUtilization: this.policy.targetUtilization,
        forecastRate: this.lastForecast?.rate, observedRate: observed.rate, horizonMs: this.lastForecast ? now - this.lastForecast.at : undefined,
      });
      this.emit('feedback', this.state);
    }
    const fc = await this.forecastAt(now);
    this.emit('forecast', fc);
    const rec = await scaleRound({
      target: this.o.target, capacityPerReplica, actuator: this.o.actuator, validation: this.o.validation, dryRun: this.o.dryRun, confidence: this.o.confidence,
      forecast: fc.points, now, observedRate: observed?.rate, recentDesired: this.recent, lastChangeAt: this.lastChangeAt,
      policy: { ...this.policy, headroom: this.state.headroom },
    }, this);
    this.recent.push({ at: now, replicas: rec.policy.desired });
    while (this.recent.length && this.recent[0]!.at < now - HOUR) this.recent.shift();
    if (rec.decision === 'applied') this.lastChangeAt = now;
    this.lastForecast = { rate: rec.proposal.expectedRate / this.state.headroom, at: now };
    const labels = { target: this.o.target };
    this.gauges.predicted.set(labels, rec.proposal.expectedRate);
    this.gauges.desired.set(labels, rec.decision === 'rejected' ? rec.proposal.current : rec.proposal.replicas);
    this.gauges.headroom.set(labels, this.state.headroom);
    const errs = this.state.forecastErrors;
    if (errs.length) this.gauges.error.set(labels, errs.reduce((a, e) => a + e.error, 0) / errs.length);
    const doc = scaleRecordDocument(rec, now, this.clock());
    this.decisions.push(doc);
    if (this.decisions.length > (this.o.keepDecisions ?? 20)) this.decisions.shift();
    this.emit('round', rec);
    this.emit('record', doc);
    return rec;
  }

  /** A change applied outside `round` (a proposal approved later): the cooldown counts from `at`. */
  noteApplied(at: number = this.clock()): void {
    this.lastChangeAt = at;
  }

  /** The recent rounds' records (oldest first). */
  get records(): readonly ScaleRecordDocument[] { return this.decisions; }

  /** Everything a restarted loop needs (a plain JSON document, `shadowtwin.scale-loop-state`). */
  exportState(): ScaleLoopStateDocument {
    return structuredClone({
      kind: SCALE_LOOP_STATE_KIND, version: 1 as const, target: this.o.target, savedAt: this.clock(),
      rates: this.observations.rates,
      ...(this.observations.windowLength !== undefined ? { rateStepMs: this.observations.windowLength } : {}),
      sloBreachedSinceRound: this.observations.sloBreached,
      feedback: this.state, recentDesired: this.recent,
      ...(this.lastChangeAt !== undefined ? { lastChangeAt: this.lastChangeAt } : {}),
      ...(this.lastForecast ? { lastForecast: this.lastForecast } : {}),
      decisions: this.decisions,
      ...(this.leadScores.n > 0 || this.leadScores.pending.length > 0 ? { leadTimeScores: this.leadScores } : {}),
    });
  }

  /** Resumes from `exportState()`'s document (validated: ST_ERR_INPUT_FORMAT / ST_ERR_CONTRACT_VERSION). */
  restoreState(doc: unknown, where = 'the scale loop state'): void {
    const s = readDocument(SCALE_LOOP_STATE_CONTRACT, doc, where);
    if (s.target !== this.o.target) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${where} is the state of target "${s.target}", not "${this.o.target}"; restore each loop from its own state`);
    const c = structuredClone(s);
    this.observations.restore(c.rates, c.sloBreachedSinceRound, c.rateStepMs);
    this.state = c.feedback;
    this.recent = c.recentDesired;
    this.lastChangeAt = c.lastChangeAt;
    this.lastForecast = c.lastForecast;
    this.decisions = c.decisions;
    this.leadScores = c.leadTimeScores ?? EMPTY_SCORES;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const tick = async (): Promise<void> => {
      try { await this.round(); } catch (err) { this.emit('error', err as Error); }
      if (this.running) this.timer = setTimeout(() => void tick(), this.o.intervalMs);
    };
    void tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
  }

  /**
   * Prometheus gauges at /metrics (for an HPA on external metrics), KEDA's
   * metrics-api JSON at /keda, the exported state at /state. Loopback unless
   * a token is given; then every request needs it.
   */
  async serveMetrics(listen = '127.0.0.1:0', token?: string, o: { setting?: string; tokenHint?: string } = {}): Promise<HttpEndpoint> {
    const get = async (g: Gauge): Promise<number> => (await g.get()).values[0]?.value ?? 0;
    return startEndpoint({
      name: 'scaler metrics', setting: o.setting ?? '--metrics-listen', listen, token, tokenHint: o.tokenHint ?? '--metrics-token or SHADOWTWIN_METRICS_TOKEN',
      routes: {
        'GET /metrics': async () => ({ body: await this.registry.metrics(), type: this.registry.contentType }),
        'GET /keda': async () => ({ body: { target: this.o.target, predictedRate: await get(this.gauges.predicted), desiredReplicas: await get(this.gauges.desired), headroom: this.state.headroom } }),
        'GET /state': () => ({ body: this.exportState() }),
      },
    });
  }
}
