import { EventEmitter } from 'node:events';
import { ShadowtwinError, type WindowDocument } from '../../common/index.js';
import type { RunReport } from '../../common/contracts/index.js';
import { parseScenario, prepareRun, splitPrimaryList, type PreparedRun, type Progress, type RunInputs } from '../../generator/index.js';
import type { TelemetryBatch } from '../grpc/index.js';
import type { EventInput, StoredDocument } from '../store/index.js';
import { synthesizedRun } from './synthesized-scenario.js';

/** How a run is asked for: a scenario document, or synthesized from the live model at a rate or a multiple of the forecast. */
export type RunStartRequest =
  | { scenario: unknown; service?: string }
  | { service: string; rate: number; target?: string; durationMs?: number }
  | { service: string; forecastMultiple: number; target?: string; durationMs?: number };

export type RunStatus = 'running' | 'stopping' | 'finished' | 'failed';

/** One run as the API shows it. */
export interface RunInfo {
  id: string;
  service: string;
  target: string;
  status: RunStatus;
  /** How it was asked for. */
  source: 'scenario' | 'rate' | 'forecast-multiple';
  /** The rate it was started at (req/s), before the multiplier; null for a closed-model (concurrency) scenario. */
  baseRate: number | null;
  /** The last second's intended and achieved rate (req/s), null before the first second. */
  intendedRate: number | null;
  achievedRate: number | null;
  multiplier: number;
  started: number;
  ended?: number;
  reason?: string;
  /** At the end: requests, errors, rates and p99 (ms). */
  summary?: RunSummary;
}

export interface RunSummary { requests: number; errors: number; intendedRate: number; achievedRate: number; p99Ms: number; pass: boolean }

/** What the manager needs from the controller. */
export interface RunHost {
  services(): ReadonlyArray<{ name: string; secondary?: string; primary: readonly string[] }>;
  limits: { maxConcurrent: number; maxDurationMs: number };
  liveMix(service: string): Record<string, number>;
  /** The service's forecast rate for now (req/s), undefined without a forecast. */
  forecastRate(service: string): number | undefined;
  ingest(batch: TelemetryBatch): Promise<void>;
  record(events: EventInput[]): unknown;
  putReport(report: RunReport): void;
  getReport(id: string): StoredDocument<RunReport> | undefined;
  /** The run as it ended (kind shadowtwin.run, key its id): the list after a restart. */
  putRun(info: RunInfo): void;
  listRuns(limit: number): RunInfo[];
  warn(err: unknown, message: string): void;
}

/** A run's watchers' events: windows as they close, progress each second, the end. */
export interface RunWatchEvents {
  window: [WindowDocument];
  progress: [Progress];
  end: [RunInfo];
}

interface RunEntry {
  info: RunInfo;
  prepared?: PreparedRun;
  watch: EventEmitter<RunWatchEvents>;
  /** Windows committed in order; the report waits for them. */
  ingested: Promise<void>;
  done: Promise<void>;
}

const DEFAULT_SYNTH_DURATION_MS = 60_000;
/** Finished runs kept in memory for the list (their reports are stored). */
const KEEP_FINISHED = 50;
const MAX_FACTOR = 1_000;

/**
 * The controller's load runs: started from a scenario document or
 * synthesized from the live model, adjusted while they run, stopped,
 * watched. Each run's per-second windows are ingested like telemetry (role
 * generator, its runId), its report is stored (kind shadowtwin.run-report,
 * key the runId), and it records run-started / run-adjusted / run-finished
 * events. At most `limits.maxConcurrent` run at once.
 */
export class RunManager {
  private readonly runs = new Map<string, RunEntry>();
  private readonly primaryFromEnv: string[];
  private starting = 0;

  constructor(private readonly host: RunHost, o: { primary?: readonly string[] } = {}) {
    this.primaryFromEnv = [...(o.primary ?? splitPrimaryList(process.env.SHADOWTWIN_PRIMARY))];
  }

  /** Runs in memory (active first, newest first), then stored reports of earlier runs. */
  list(): RunInfo[] {
    const live = [...this.runs.values()].map((r) => ({ ...r.info }));
    const known = new Set(live.map((r) => r.id));
    const stored = this.host.listRuns(KEEP_FINISHED).filter((r) => !known.has(r.id));
    const rank = (r: RunInfo): number => (r.status === 'finished' || r.status === 'failed' ? 1 : 0);
    return [...live.sort((a, b) => rank(a) - rank(b) || b.started - a.started), ...stored];
  }

  active(): RunInfo[] {
    return this.list().filter((r) => r.status === 'running' || r.status === 'stopping');
  }

  get(id: string): RunInfo {
    return { ...this.entry(id).info };
  }

  /** Starts a run; resolves once it is sending (or rejects with why it cannot start). */
  async start(req: RunStartRequest): Promise<RunInfo> {
    const busy = [...this.runs.values()].filter((r) => r.info.status === 'running' || r.info.status === 'stopping').length + this.starting;
    if (busy >= this.host.limits.maxConcurrent) {
      throw new ShadowtwinError('ST_ERR_CONTROL_RUNS_LIMIT', `${busy} load runs are active and runs.maxConcurrent is ${this.host.limits.maxConcurrent}; stop one (POST /api/v1/runs/stop?id=ID) or wait for it to finish`);
    }
    this.starting++;
    try {
      return await this.prepareAndStart(req);
    } finally {
      this.starting--;
    }
  }

  private async prepareAndStart(req: RunStartRequest): Promise<RunInfo> {
    const { doc, inputs, service, source, baseRate } = this.scenarioFor(req);
    const scenario = parseScenario(doc, inputs);
    if (scenario.duration !== undefined && scenario.duration > this.host.limits.maxDurationMs) {
      throw new ShadowtwinError('ST_ERR_CONTROL_RUN_INVALID', `the run lasts ${scenario.duration} ms, above runs.maxDuration (${this.host.limits.maxDurationMs} ms); shorten it or raise runs.maxDuration`);
    }
    const primary = [...this.primaryFromEnv, ...(this.host.services().find((s) => s.name === service)?.primary ?? [])];
    // The generator refuses a target that resolves to any primary (address and port).
    const prepared = await prepareRun(scenario, { primary, inputs });
    const id = prepared.runId;
    const rate = baseRate ?? scenario.load.rate ?? null;
    const watch = new EventEmitter<RunWatchEvents>();
    const info: RunInfo = {
      id, service, target: scenario.target, status: 'running', source, baseRate: rate, intendedRate: null, achievedRate: null,
      multiplier: 1, started: Date.now(),
    };
    const entry: RunEntry = { info, prepared, watch, ingested: Promise.resolve(), done: Promise.resolve() };
    let seq = 0;
    prepared.run.on('window', (w) => {
      // Windows name the service the run is for (the generator names them after the target's host by default).
      const doc: WindowDocument = { ...w, source: { ...w.source, service } };
      const batch: TelemetryBatch = { batchId: `${id}-${seq++}`, sender: `generator/${id}`, peer: 'controller', windows: [doc] };
      entry.ingested = entry.ingested.then(() => this.host.ingest(batch)).catch((err) => this.host.warn(err, `a window of load run ${id} could not be stored`));
      watch.emit('window', doc);
    });
    prepared.run.on('progress', (p) => {
      info.intendedRate = p.intendedRate;
      info.achievedRate = p.achievedRate;
      watch.emit('progress', p);
    });
    this.runs.set(id, entry);
    this.trim();
    this.host.record([{ kind: 'run-started', service, payload: { runId: id, target: info.target, source, rate, durationMs: scenario.duration ?? null } }]);
    entry.done = prepared.execute().then(async (report) => {
      await entry.ingested;
      this.host.putReport(report);
      info.summary = summaryOf(report);
      info.status = 'finished';
    }, async (err: Error) => {
      await entry.ingested;
      info.status = 'failed';
      info.reason = err instanceof ShadowtwinError ? `${err.code}: ${err.message}` : err.message;
    }).then(() => {
      info.ended = Date.now();
      this.host.putRun({ ...info });
      this.host.record([{ kind: 'run-finished', service, payload: { runId: id, status: info.status, ...(info.summary ? { summary: info.summary } : {}), ...(info.reason ? { reason: info.reason } : {}) } }]);
      watch.emit('end', { ...info });
    }).catch((err) => this.host.warn(err, `load run ${id} could not be finished cleanly`));
    return { ...info };
  }

  /** The scenario document (and inputs) a request stands for. */
  private scenarioFor(req: RunStartRequest): { doc: unknown; inputs: RunInputs; service: string; source: RunInfo['source']; baseRate?: number } {
    if ('scenario' in req) {
      const doc = req.scenario as { target?: unknown; source?: { file?: unknown }; http?: { ca?: unknown } } | null;
      // A run asked for over the API never reads the controller's disk: the files would be the controller's, and their errors would show them.
      if (doc?.source?.file !== undefined || doc?.http?.ca !== undefined) {
        throw new ShadowtwinError('ST_ERR_CONTROL_RUN_INVALID', `the scenario names a file (${doc.source?.file !== undefined ? 'source.file' : 'http.ca'}); runs started through the controller read no files: use a fixed source, or a synthesized run ({ service, rate })`);
      }
      const target = doc?.target;
      let service = req.service;
      if (!service) { try { service = new URL(String(target)).host; } catch { service = 'unnamed'; } }
      return { doc: req.scenario, inputs: {}, service, source: 'scenario' };
    }
    const svc = this.host.services().find((s) => s.name === req.service);
    const target = req.target ?? svc?.secondary;
    if (!target) {
      throw new ShadowtwinError('ST_ERR_CONTROL_RUN_INVALID', `no target for ${req.service}: give "target" (the secondary's URL) or set services[].secondary for it in the controller config`);
    }
    const durationMs = req.durationMs ?? DEFAULT_SYNTH_DURATION_MS;
    let rate: number;
    let source: RunInfo['source'];
    if ('rate' in req) {
      if (!Number.isFinite(req.rate) || req.rate <= 0) throw new ShadowtwinError('ST_ERR_CONTROL_RUN_INVALID', `rate ${String(req.rate)}: give requests per second above 0`);
      rate = req.rate;
      source = 'rate';
    } else {
      if (!Number.isFinite(req.forecastMultiple) || req.forecastMultiple <= 0) throw new ShadowtwinError('ST_ERR_CONTROL_RUN_INVALID', `forecastMultiple ${String(req.forecastMultiple)}: give a multiple above 0, e.g. 1.5`);
      const f = this.host.forecastRate(req.service);
      if (f === undefined || !(f > 0)) throw new ShadowtwinError('ST_ERR_CONTROL_RUN_INVALID', `no forecast for ${req.service} yet (it needs a few minutes of windows); start the run at a rate instead`);
      rate = f * req.forecastMultiple;
      source = 'forecast-multiple';
    }
    const s = synthesizedRun({ service: req.service, target, rate, durationMs, mix: this.host.liveMix(req.service), primary: [] });
    return { doc: s.scenario, inputs: { records: s.records }, service: req.service, source, baseRate: rate };
  }

  /** Changes a running run's intensity: the multiplier of its started rate, effective at the next arrival. */
  adjust(id: string, factor: number): RunInfo {
    const e = this.entry(id);
    if (!Number.isFinite(factor) || factor <= 0 || factor > MAX_FACTOR) {
      throw new ShadowtwinError('ST_ERR_CONTROL_RUN_INVALID', `factor ${String(factor)}: give a number above 0 and at most ${MAX_FACTOR} (1 = as started, 2 = twice the rate)`);
    }
    if (e.info.status !== 'running') throw new ShadowtwinError('ST_ERR_CONTROL_RUN_INVALID', `load run ${id} is ${e.info.status}; only a running run can be adjusted`);
    const p = e.prepared!;
    if (p.scenario.load.executor === 'concurrency') throw new ShadowtwinError('ST_ERR_CONTROL_RUN_INVALID', `load run ${id} is a closed-model (concurrency) run: it has no rate to adjust`);
    if (e.info.baseRate !== null && e.info.baseRate * factor > p.scenario.maxRate) {
      throw new ShadowtwinError('ST_ERR_GENERATOR_RATE_CAP', `×${factor} would send ${Math.round(e.info.baseRate * factor)} req/s, above the run's maxRate ${p.scenario.maxRate}`);
    }
    const from = e.info.multiplier;
    p.run.multiplier = factor;
    e.info.multiplier = factor;
    this.host.record([{ kind: 'run-adjusted', service: e.info.service, payload: { runId: id, from, factor } }]);
    return { ...e.info };
  }

  /** Stops a run (in-flight requests finish); its report follows. */
  stop(id: string): RunInfo {
    const e = this.entry(id);
    if (e.info.status === 'running') {
      e.info.status = 'stopping';
      e.prepared!.run.stop();
    }
    return { ...e.info };
  }

  /** The stored report of a finished run. */
  report(id: string): RunReport {
    const d = this.host.getReport(id);
    if (d) return d.doc;
    const e = this.runs.get(id);
    if (e) throw new ShadowtwinError('ST_ERR_CONTROL_RUN_NOT_FOUND', `load run ${id} is ${e.info.status}${e.info.reason ? ` (${e.info.reason})` : ''}: it has no report${e.info.status === 'failed' ? '' : ' yet; fetch it when it has finished'}`);
    throw new ShadowtwinError('ST_ERR_CONTROL_RUN_NOT_FOUND', `no load run ${JSON.stringify(id)}; GET /api/v1/runs lists them`);
  }

  /** A run's watch events (windows, progress, end); a run that has ended emits nothing more. */
  watch(id: string): EventEmitter<RunWatchEvents> {
    return this.entry(id).watch;
  }

  /** Resolves when the run has ended and its report (if any) is stored. */
  async finished(id: string): Promise<RunInfo> {
    const e = this.entry(id);
    await e.done;
    return { ...e.info };
  }

  /**
   * Stops every run and waits for them (the controller is stopping), at most
   * `graceMs`: a hung secondary's in-flight requests must not hold the
   * controller's shutdown for the whole HTTP timeout.
   */
  async stopAll(graceMs = 5_000): Promise<void> {
    for (const e of this.runs.values()) if (e.info.status === 'running') this.stop(e.info.id);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); timer.unref(); });
    await Promise.race([Promise.all([...this.runs.values()].map((e) => e.done)), grace]);
    clearTimeout(timer);
  }

  private entry(id: string): RunEntry {
    const e = this.runs.get(id);
    if (!e) {
      const stored = this.host.getReport(id);
      if (stored) throw new ShadowtwinError('ST_ERR_CONTROL_RUN_INVALID', `load run ${id} has finished (its report is at GET /api/v1/runs/report?id=${id})`);
      throw new ShadowtwinError('ST_ERR_CONTROL_RUN_NOT_FOUND', `no load run ${JSON.stringify(id)}; GET /api/v1/runs lists them`);
    }
    return e;
  }

  /** Keeps at most KEEP_FINISHED finished runs in memory (their reports stay stored). */
  private trim(): void {
    const ended = [...this.runs.values()].filter((r) => r.info.status === 'finished' || r.info.status === 'failed');
    for (const r of ended.slice(0, Math.max(0, ended.length - KEEP_FINISHED))) this.runs.delete(r.info.id);
  }
}

function summaryOf(r: RunReport): RunSummary {
  return { requests: r.summary.requests, errors: r.summary.errors, intendedRate: r.summary.intendedRate, achievedRate: r.summary.achievedRate, p99Ms: r.summary.latencyMs.p99, pass: r.pass };
}

