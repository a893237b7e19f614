import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry } from 'prom-client';
import type { ForecastPointLike, ScalePolicy } from './policy.js';
import { scaleRound, type ScaleRecord, type ScaleRoundInput } from './scale-round.js';

export const SCALER_METRIC = {
  predictedRate: 'shadowtwin_scaler_predicted_requests_per_second',
  desiredReplicas: 'shadowtwin_scaler_desired_replicas',
  headroom: 'shadowtwin_scaler_headroom_ratio',
  forecastError: 'shadowtwin_scaler_forecast_abs_error_ratio',
} as const;

export interface FeedbackState { headroom: number; breaches: number; forecastErrors: Array<{ horizonMs: number; error: number }> }

/**
 * Feedback after a round: raise the headroom by 10% after an SLO breach,
 * lower it by 2% when the last observation used under half the target
 * utilisation, within [1, 2]; keep the forecast's relative error per horizon.
 */
export function feedback(state: FeedbackState, obs: { sloBreached: boolean; utilization: number; targetUtilization: number; forecastRate?: number; observedRate?: number; horizonMs?: number }): FeedbackState {
  let headroom = state.headroom;
  if (obs.sloBreached) headroom = Math.min(2, headroom * 1.1);
  else if (obs.utilization < obs.targetUtilization / 2) headroom = Math.max(1, headroom * 0.98);
  const errors = [...state.forecastErrors];
  if (obs.forecastRate !== undefined && obs.observedRate !== undefined && obs.observedRate > 0) {
    errors.push({ horizonMs: obs.horizonMs ?? 0, error: Math.abs(obs.forecastRate - obs.observedRate) / obs.observedRate });
    if (errors.length > 500) errors.shift();
  }
  return { headroom: Math.round(headroom * 1000) / 1000, breaches: state.breaches + (obs.sloBreached ? 1 : 0), forecastErrors: errors };
}

export interface ScaleLoopOptions extends Omit<ScaleRoundInput, 'forecast' | 'observedRate' | 'now' | 'recentDesired' | 'lastChangeAt'> {
  intervalMs: number;
  /** Fresh forecast each round (re-read the input, query Prometheus, …). */
  forecast(): Promise<ForecastPointLike[]>;
  /** Current observation: rate and whether the SLO was breached since the last round. */
  observe?(): Promise<{ rate: number; sloBreached: boolean }>;
  policy?: Partial<ScalePolicy>;
}

/**
 * `shadowtwin scale --watch`: a round every interval with observation and
 * feedback. Events: `round` (ScaleRecord), `feedback` (FeedbackState),
 * `error`. The control plane will host the same loop.
 */
export class ScaleLoop extends EventEmitter {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private state: FeedbackState;
  private readonly recent: Array<{ at: number; replicas: number }> = [];
  private lastChangeAt: number | undefined;
  private lastForecast: { rate: number; at: number } | undefined;
  readonly registry = new Registry();
  private readonly gauges;

  constructor(private readonly o: ScaleLoopOptions) {
    super();
    this.state = { headroom: o.policy?.headroom ?? 1.1, breaches: 0, forecastErrors: [] };
    this.gauges = {
      predicted: new Gauge({ name: SCALER_METRIC.predictedRate, help: 'Expected request rate the last proposal planned for.', labelNames: ['target'] as const, registers: [this.registry] }),
      desired: new Gauge({ name: SCALER_METRIC.desiredReplicas, help: 'Replicas the last validated proposal asked for.', labelNames: ['target'] as const, registers: [this.registry] }),
      headroom: new Gauge({ name: SCALER_METRIC.headroom, help: 'Current headroom multiplier (feedback-adjusted).', labelNames: ['target'] as const, registers: [this.registry] }),
      error: new Gauge({ name: SCALER_METRIC.forecastError, help: 'Mean absolute relative forecast error over recent rounds.', labelNames: ['target'] as const, registers: [this.registry] }),
    };
  }

  get feedbackState(): FeedbackState { return this.state; }

  async round(): Promise<ScaleRecord> {
    const now = Date.now();
    const obs = this.o.observe ? await this.o.observe() : undefined;
    if (obs) {
      const current = await this.o.actuator.current();
      const target = this.o.policy?.targetUtilization ?? 0.7;
      this.state = feedback(this.state, {
        sloBreached: obs.sloBreached, utilization: obs.rate / Math.max(1e-9, current * this.o.capacityPerReplica), targetUtilization: target,
        forecastRate: this.lastForecast?.rate, observedRate: obs.rate, horizonMs: this.lastForecast ? now - this.lastForecast.at : undefined,
      });
      this.emit('feedback', this.state);
    }
    const forecast = await this.o.forecast();
    const rec = await scaleRound({
      ...this.o, forecast, now, observedRate: obs?.rate, recentDesired: this.recent, lastChangeAt: this.lastChangeAt,
      policy: { ...this.o.policy, headroom: this.state.headroom },
    });
    this.recent.push({ at: now, replicas: rec.policy.desired });
    while (this.recent.length && this.recent[0]!.at < now - 3_600_000) this.recent.shift();
    if (rec.decision === 'applied') this.lastChangeAt = now;
    this.lastForecast = { rate: rec.proposal.expectedRate / this.state.headroom, at: now };
    const labels = { target: this.o.target };
    this.gauges.predicted.set(labels, rec.proposal.expectedRate);
    this.gauges.desired.set(labels, rec.decision === 'rejected' ? rec.proposal.current : rec.proposal.replicas);
    this.gauges.headroom.set(labels, this.state.headroom);
    const errs = this.state.forecastErrors;
    if (errs.length) this.gauges.error.set(labels, errs.reduce((a, e) => a + e.error, 0) / errs.length);
    this.emit('round', rec);
    return rec;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const tick = async (): Promise<void> => {
      try { await this.round(); } catch (err) { this.emit('error', err); }
      if (this.running) this.timer = setTimeout(() => void tick(), this.o.intervalMs);
    };
    void tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Prometheus gauges (for an HPA on external metrics) and KEDA's metrics-api JSON at /keda. */
  async serveMetrics(host = '127.0.0.1', port = 0): Promise<{ url: string; server: Server }> {
    const server = createServer(async (req, res) => {
      if (req.url === '/metrics') {
        res.writeHead(200, { 'content-type': this.registry.contentType });
        res.end(await this.registry.metrics());
      } else if (req.url === '/keda') {
        const get = async (g: Gauge): Promise<number> => (await g.get()).values[0]?.value ?? 0;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ target: this.o.target, predictedRate: await get(this.gauges.predicted), desiredReplicas: await get(this.gauges.desired), headroom: this.state.headroom }));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"ST_ERR_ADMIN_NOT_FOUND","message":"try /metrics or /keda"}}');
      }
    });
    await new Promise<void>((r) => server.listen(port, host, () => r()));
    return { url: `http://${host}:${(server.address() as AddressInfo).port}`, server };
  }
}
