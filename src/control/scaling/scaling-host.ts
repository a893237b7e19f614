import { ShadowtwinError, type Logger, type ScaleRecordDocument, type WindowDocument } from '../../common/index.js';
import type { ForecastResult } from '../../forecast/index.js';
import type { ControllerStore, EventInput } from '../store/index.js';
import { ScaleRecords, type ListedRecord } from './scale-records.js';
import type { ScalingTargetConfig } from './scaling-config.js';
import { TargetLoop } from './target-loop.js';

export interface ScalingHostOptions {
  services: ReadonlyArray<{ name: string; scaling: readonly ScalingTargetConfig[] }>;
  store: ControllerStore;
  forecastOf(service: string): ForecastResult | undefined;
  currentRate(service: string): number | undefined;
  level: number;
  record(events: EventInput[]): void;
  log: Logger;
  now(): number;
  /** How far back the live mix reaches (default 5 min). */
  mixMs?: number;
}

/** What `GET /api/v1/state` shows of a service's scaling. */
export interface ScalingSummary {
  replicas: number | null;
  lastDecision: { id: string; target: string; decision: string; pending: boolean; replicas: number; at: number; review?: string } | null;
  targets: Array<{ target: string; mode: string; replicas: number | null }>;
}

/**
 * The controller's scale loops, one per configured target (`services[].scaling`),
 * and what the API does with them: list records, propose now, approve,
 * reject. Rounds run on each target's interval (checked every second),
 * one at a time per target.
 */
export class ScalingHost {
  readonly records: ScaleRecords;
  readonly loops: TargetLoop[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly failures = new Map<string, string>();

  constructor(private readonly o: ScalingHostOptions) {
    this.records = new ScaleRecords(o.store);
    const mixMs = o.mixMs ?? 5 * 60_000;
    for (const s of o.services) {
      for (const t of s.scaling) {
        this.loops.push(new TargetLoop({
          service: s.name, config: t, store: o.store, records: this.records, forecastOf: o.forecastOf, currentRate: o.currentRate, level: o.level,
          recentWindows: (svc) => { const now = o.now(); return o.store.rawWindows(svc, { role: 'primary', from: now - mixMs, to: now + 1 }); },
          record: o.record, log: o.log, now: o.now,
        }));
      }
    }
  }

  /** Starts the schedule (no-op without targets). */
  start(): void {
    if (this.loops.length === 0 || this.timer) return;
    this.timer = setInterval(() => this.tick(), 1_000);
    this.timer.unref();
    for (const l of this.loops) void l.refreshReplicas();
  }

  /** Runs the rounds that are due (errors are logged, each distinct message once per target until it changes). */
  tick(now = this.o.now()): void {
    for (const l of this.loops) {
      if (!l.due(now)) continue;
      l.round(now).then(() => this.failures.delete(l.target), (err: Error) => {
        const key = `${l.service}:${l.target}`;
        if (this.failures.get(key) === err.message) return;
        this.failures.set(key, err.message);
        this.o.log.warn({ err, service: l.service, target: l.target }, 'scale round failed');
        this.o.record([{ kind: 'scale-round-failed', service: l.service, payload: { target: l.target, code: (err as ShadowtwinError).code ?? 'ST_ERR_INTERNAL', message: err.message } }]);
      });
    }
  }

  /** Committed windows, to every loop of their service. */
  feed(windows: readonly WindowDocument[]): void {
    for (const l of this.loops) l.feed(windows);
  }

  private loop(service: string | undefined, target: string): TargetLoop {
    const matches = this.loops.filter((l) => l.target === target && (service === undefined || l.service === service));
    if (matches.length === 0) throw new ShadowtwinError('ST_ERR_CONTROL_PROPOSAL_NOT_FOUND', `no scaling target ${JSON.stringify(target)}${service ? ` in service ${service}` : ''}; the controller config's services[].scaling names them`);
    if (matches.length > 1) throw new ShadowtwinError('ST_ERR_ADMIN_BAD_REQUEST', `target ${JSON.stringify(target)} exists in several services (${matches.map((l) => l.service).join(', ')}); give the service too`);
    return matches[0]!;
  }

  private loopOf(id: string): TargetLoop {
    const rec = this.records.get(id);
    return this.loop(rec.service, rec.proposal.target);
  }

  list(o: { service?: string; target?: string; limit?: number } = {}): ListedRecord[] {
    return this.records.list(o);
  }

  /** A round now, outside the schedule (gRPC Propose): the record, or undefined while a proposal waits for approval. */
  propose(target: string, service?: string): Promise<ScaleRecordDocument | undefined> {
    return this.loop(service, target).round();
  }

  approve(id: string): Promise<ScaleRecordDocument> {
    return this.loopOf(id).approve(id);
  }

  reject(id: string, reason: string): Promise<ScaleRecordDocument> {
    return this.loopOf(id).reject(id, reason);
  }

  summary(service: string): ScalingSummary {
    const loops = this.loops.filter((l) => l.service === service);
    const last = loops.map((l) => l.lastRecord).filter((r): r is ListedRecord => r !== undefined).sort((a, b) => b.record.startedAt - a.record.startedAt)[0];
    const known = loops.map((l) => l.replicas).filter((r): r is number => r !== null);
    return {
      replicas: known.length ? known.reduce((a, b) => a + b, 0) : null,
      lastDecision: last ? {
        id: last.id, target: last.record.proposal.target, decision: last.record.decision, pending: last.pending, replicas: last.record.proposal.replicas,
        at: last.record.review?.at ?? last.record.decidedAt, ...(last.record.review ? { review: last.record.review.action } : {}),
      } : null,
      targets: loops.map((l) => ({ target: l.target, mode: l.config.mode, replicas: l.replicas })),
    };
  }

  /** Stops the schedule and waits for running rounds. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.loops.map((l) => l.settle()));
  }
}
