import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { SCALE_RECORD_KIND, silentLogger, type HttpEndpoint, type Logger, type WindowDocument } from '../common/index.js';
import { seriesFromPrometheus, type Series } from '../forecast/index.js';
import { controllerApiRoutes } from './api/api-routes.js';
import { startEndpoint } from '../common/index.js';
import type { ControllerConfig } from './controller-config.js';
import { createControllerMetrics, type ControllerMetrics } from './controller-metrics.js';
import { EventLog, type ControllerEvent } from './events/index.js';
import { FleetView, type FleetEvent } from './fleet/index.js';
import { createTelemetryService, startGrpcServer, type GrpcServer, type TelemetryBatch, type TelemetryService } from './grpc/index.js';
import { GroupCommitter } from './ingest/group-commit.js';
import { ServiceForecasts } from './loops/service-forecasts.js';
import { createScalingService, ScalingHost } from './scaling/index.js';
import { ControllerStore, DEFAULT_RETENTION, type AppendedWindows, type EventInput } from './store/index.js';
import { controllerRunHost, createLoadService, RunManager } from './runs/index.js';

export interface ControllerOptions {
  config: ControllerConfig;
  logger?: Logger;
  /** The controller's clock (tests); default Date.now. */
  now?: () => number;
  /** Node's process metrics on /metrics (default true). */
  defaultMetrics?: boolean;
}

export interface ControllerAddresses { grpc: string; http: string }

/** Events a library user can listen to (besides the stored event log). */
export interface ControllerEmitterEvents {
  event: [ControllerEvent];
  /** A non-fatal failure of a background task (logged). */
  error: [Error];
}

/**
 * `shadowtwin controller`: takes windows from sidecars over gRPC, commits
 * them (the batch is acknowledged only after), keeps the fleet view,
 * forecasts every service (refit on schedule and on drift), records events,
 * and serves all of it over HTTP. State lives in the store under
 * `config.data`, so a restart (even after kill -9) resumes from it.
 */
export class Controller extends EventEmitter<ControllerEmitterEvents> {
  readonly config: ControllerConfig;
  readonly store: ControllerStore;
  readonly fleet: FleetView;
  readonly events: EventLog;
  readonly metrics: ControllerMetrics;
  readonly forecasts: ServiceForecasts;
  readonly scaling: ScalingHost;
  /** Load runs (docs/controller.md, "Load runs"). */
  readonly runs: RunManager;
  readonly startedAt: number;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly committer: GroupCommitter<TelemetryBatch, AppendedWindows>;
  private readonly telemetry: TelemetryService;
  private readonly seeds = new Map<string, Series>();
  private readonly known: Set<string>;
  private grpc: GrpcServer | undefined;
  private http: HttpEndpoint | undefined;
  private timers: NodeJS.Timeout[] = [];
  private stopping: Promise<void> | undefined;
  private lastForecastStep = 0;

  private constructor(o: ControllerOptions, store: ControllerStore) {
    super();
    this.config = o.config;
    this.log = o.logger ?? silentLogger();
    this.now = o.now ?? Date.now;
    this.startedAt = this.now();
    this.store = store;
    this.metrics = createControllerMetrics(o.defaultMetrics ?? true);
    this.fleet = new FleetView({ windowMs: o.config.windowMs });
    this.events = new EventLog(10_000, store.lastEventId());
    this.known = new Set(o.config.services.map((s) => s.name));
    this.committer = new GroupCommitter((batches) => {
      this.metrics.groupCommits.inc();
      return this.store.appendWindowBatches(batches.map((b) => ({ windows: b.windows, sender: b.sender, batchId: b.batchId, checked: true }))) as Array<AppendedWindows | Error>;
    });
    this.telemetry = createTelemetryService({ token: o.config.token, commit: (b) => this.ingest(b), now: this.now });
    this.forecasts = new ServiceForecasts(o.config.forecast, store, {
      stored: (service, from, to, stepMs) => this.store.rateSeries(service, { from, to, stepMs }).points,
      seed: (service) => this.seeds.get(service),
    }, this.log);
    this.scaling = new ScalingHost({ services: o.config.services, store, forecastOf: (s) => this.forecasts.forecast(s), currentRate: (s) => this.fleet.currentRate(s, this.now()), level: o.config.forecast.level, record: (e) => this.record(e), log: this.log, now: this.now });
    this.runs = new RunManager(controllerRunHost(this, this.log));
    this.metrics.storeHealthy.set(1);
  }

  /** Opens the store (refusing a data directory another controller holds), restores, listens. */
  static async start(o: ControllerOptions): Promise<Controller> {
    const store = ControllerStore.open({
      dataDir: o.config.data, synchronous: o.config.synchronous, now: o.now,
      retention: {
        ...(o.config.retention.raw !== undefined ? { rawMs: o.config.retention.raw } : {}),
        ...(o.config.retention.events !== undefined ? { eventsMs: o.config.retention.events } : {}),
        // Scale records (proposals, validations, decisions) are kept as long as the events that tell of them.
        documents: { [SCALE_RECORD_KIND]: o.config.retention.events ?? DEFAULT_RETENTION.eventsMs },
      },
    });
    let c: Controller;
    try {
      c = new Controller(o, store);
    } catch (err) {
      store.close(); // e.g. a scaling target's cost model that cannot be read: the data directory is free again
      throw err;
    }
    try {
      c.restore();
      await c.seedHistory();
      await c.listen();
      c.startTimers();
      c.scaling.start();
      c.record([{ kind: 'controller-started', payload: { pid: process.pid, host: hostname(), grpc: c.addresses.grpc, http: c.addresses.http, restoredEvents: store.lastEventId() } }]);
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  get addresses(): ControllerAddresses {
    return { grpc: this.grpc?.address ?? '', http: this.http?.url ?? '' };
  }

  /** Rebuilds the fleet view from the stored recent windows (events of the replay are not repeated). */
  private restore(): void {
    const now = this.now();
    const from = now - 15 * 60_000;
    for (const service of this.store.services()) {
      for (const role of ['primary', 'secondary'] as const) {
        for (const w of this.store.rawWindows(service, { role, from, to: now + 1 })) this.fleet.ingest(w, w.end);
      }
    }
    // Pods silent since before the restart are gone without a new event (each was reported, or went quiet while the
    // controller was down): a pod that streams again reports pod-returned.
    this.fleet.sweep(now);
  }

  /** With forecast.prometheus: each configured service's history, so the first forecast needs no waiting. */
  private async seedHistory(): Promise<void> {
    const p = this.config.forecast.prometheus;
    if (!p) return;
    for (const s of this.config.services) {
      const query = p.query.replaceAll('$service', s.name);
      try {
        const series = await seriesFromPrometheus(p.url, query, this.config.forecast.history, this.config.forecast.step, process.env.SHADOWTWIN_PROMETHEUS_TOKEN);
        this.seeds.set(s.name, { ...series, unit: 'req/s' });
        this.record([{ kind: 'history-seeded', service: s.name, payload: { source: 'prometheus', points: series.values.length, stepMs: series.stepMs } }]);
      } catch (err) {
        this.log.warn({ err, service: s.name }, 'could not seed the history from Prometheus; forecasts start from the windows');
        this.record([{ kind: 'history-seed-failed', service: s.name, payload: { message: (err as Error).message } }]);
      }
    }
  }

  private async listen(): Promise<void> {
    const token = this.config.token;
    this.grpc = await startGrpcServer({
      listen: this.config.grpc, setting: '--grpc', token, tokenHint: '--token-file FILE (or --token)',
      tls: this.config.tls ? { certFile: this.config.tls.cert, keyFile: this.config.tls.key } : undefined,
      services: [this.telemetry, createScalingService({ scaling: this.scaling, events: this.events, backfill: (after, limit) => this.store.eventsSince(after, limit), token }), createLoadService(this.runs, token)],
    });
    this.http = await startEndpoint({
      name: 'controller', setting: '--http', listen: this.config.http, token, tokenHint: '--token-file FILE (or --token)',
      routes: controllerApiRoutes(this), open: ['GET /healthz'],
    });
  }

  private startTimers(): void {
    const every = (ms: number, fn: () => void | Promise<void>): void => {
      const t = setInterval(() => { void Promise.resolve().then(fn).catch((err: Error) => { this.log.warn({ err }, 'background task failed'); this.emit('error', err); }); }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(Math.min(this.config.windowMs, 5_000), () => this.tick());
    every(60_000, () => { this.store.prune(this.now()); });
  }

  /**
   * One telemetry batch (already checked by the receiver): windows of
   * services the config refuses are dropped and counted; the rest are
   * committed (grouped with other batches of this turn) and only then shown
   * in the fleet view and acknowledged.
   */
  async ingest(b: TelemetryBatch): Promise<void> {
    let windows: WindowDocument[] = b.windows;
    if (this.config.unknownServices === 'refuse') {
      windows = b.windows.filter((w) => this.known.has(w.source.service));
      const refused = b.windows.length - windows.length;
      if (refused > 0) this.metrics.windowsRefused.inc({ reason: 'unknown_service' }, refused);
      if (windows.length === 0) return;
    }
    let result: AppendedWindows;
    try {
      result = await this.committer.submit({ ...b, windows });
      this.metrics.storeHealthy.set(1);
    } catch (err) {
      this.metrics.storeHealthy.set(this.store.health().ok ? 1 : 0);
      throw err;
    }
    if (result.duplicate) { this.metrics.batches.inc({ result: 'duplicate' }); return; }
    this.metrics.batches.inc({ result: 'committed' });
    const now = this.now();
    const fleetEvents: FleetEvent[] = [];
    for (const w of windows) {
      this.metrics.windows.inc({ role: w.source.role });
      const before = { ...this.fleet.skipped };
      fleetEvents.push(...this.fleet.ingest(w, now));
      for (const k of ['too_many_services', 'too_many_pods'] as const) if (this.fleet.skipped[k] > before[k]) this.metrics.windowsRefused.inc({ reason: k });
    }
    if (fleetEvents.length > 0) this.recordFleet(fleetEvents);
    this.scaling.feed(windows);
  }

  private recordFleet(events: FleetEvent[]): void {
    this.record(events.map(({ kind, at, service, ...rest }) => ({ kind, at, service, payload: rest })));
  }

  /** Stores events, then shows them (ids from the store, so a stream resumes across restarts). */
  record(events: EventInput[]): ControllerEvent[] {
    if (events.length === 0) return [];
    const at = this.now();
    const withTime = events.map((e) => ({ ...e, at: e.at ?? at }));
    let ids: number[];
    try {
      ids = this.store.appendEvents(withTime);
    } catch (err) {
      this.log.error({ err }, 'events could not be stored; they are shown but will not survive a restart');
      ids = withTime.map((_, i) => this.events.latestId + 1 + i);
    }
    return withTime.map((e, i) => {
      const ev = this.events.append({ id: ids[i]!, at: e.at, kind: e.kind, ...(e.service !== undefined ? { service: e.service } : {}), data: (e.payload ?? {}) as Record<string, unknown> });
      this.metrics.events.inc({ kind: e.kind });
      this.emit('event', ev);
      return ev;
    });
  }

  /** Background work: pods gone, gauges, forecasts (at most every 10 s). */
  async tick(): Promise<void> {
    const now = this.now();
    const gone = this.fleet.sweep(now);
    if (gone.length > 0) this.recordFleet(gone);
    const services = this.fleet.serviceNames();
    for (const s of services) {
      const pods = this.fleet.pods(s);
      this.metrics.pods.set({ service: s, state: 'live' }, pods.filter((p) => !p.gone).length);
      this.metrics.pods.set({ service: s, state: 'gone' }, pods.filter((p) => p.gone).length);
      const rate = this.fleet.currentRate(s, now);
      if (rate !== undefined) this.metrics.rate.set({ service: s }, rate);
    }
    this.metrics.storeHealthy.set(this.store.health().ok ? 1 : 0);
    if (now - this.lastForecastStep < 10_000) return;
    this.lastForecastStep = now;
    const all = [...new Set([...services, ...this.config.services.map((s) => s.name)])];
    const events = await this.forecasts.step(all, now, now - this.config.windowMs, (s) => this.routeCounts(s));
    for (const e of events) {
      if (e.kind === 'refit') this.metrics.refits.inc({ service: e.service, reason: e.reason });
      else {
        if (e.interval?.drift) this.metrics.drift.inc({ service: e.service, check: 'interval' });
        if (e.mix?.drift) this.metrics.drift.inc({ service: e.service, check: 'route_mix' });
      }
      const { kind, at, service, ...payload } = e;
      this.record([{ kind: kind === 'refit' ? 'forecast-refit' : 'drift', at, service, payload }]);
      const f = this.forecasts.forecast(service);
      const last = f?.points.at(-1);
      if (last) {
        this.metrics.forecastRate.set({ service }, last.point);
        this.metrics.forecastUpper.set({ service }, last.upper);
      }
    }
  }

  /** Recent primary requests per route ("METHOD route" → count): the live mix drift is judged on. */
  routeCounts(service: string): Record<string, number> | undefined {
    const t = this.fleet.recentTable(service, 'primary');
    if (!t) return undefined;
    const out: Record<string, number> = {};
    for (const s of t.table.values()) out[`${s.method} ${s.route}`] = s.requests;
    return out;
  }

  /** Stops listening and closes the store (idempotent). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const t of this.timers) clearInterval(t);
      await this.runs.stopAll();
      await this.scaling.stop();
      await this.grpc?.close();
      await this.http?.close();
      try { this.store.close(); } catch (err) { this.log.warn({ err }, 'closing the store failed'); }
    })();
    return this.stopping;
  }
}
