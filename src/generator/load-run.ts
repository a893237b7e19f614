import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { LOAD_HEADER, requestProblem, seededRandom, summarizeMs, transportFailure, type Random, type RequestProblem } from '../common/index.js';
import { windowFromTable, type WindowSource } from '../common/contracts/index.js';
import { pickFault, type GeneratorFault } from './faults.js';
import type { LoadRunEvents, Progress } from './load-run-events.js';
import { ClosedLoop } from './load/closed-loop.js';
import type { LoadDriver, LoadLoop } from './load/load-driver.js';
import { OpenLoop } from './load/open-loop.js';
import { warmUp } from './warm-up.js';
import { failureOutcome, RunRecorder, statusClass, transportCode, type Outcome } from './run-recorder.js';
import { fixedSource, type RequestSource, type RequestSpec } from './sources/request-source.js';
import { H1Transport } from './transport/h1-transport.js';
import { RawTransport } from './transport/raw-transport.js';
import { requestBodyBytes, type Transport } from './transport/transport.js';
import { UndiciTransport } from './transport/undici-transport.js';

export interface Arrivals {
  next(): number | undefined;
  multiplier?: number;
}

export interface HttpOptions {
  connections: number;
  pipelining: number;
  timeoutMs: number;
  /** Arrivals beyond this many outstanding requests are dropped and counted. */
  maxInFlight: number;
  /** Negotiate HTTP/2 over TLS (ALPN), falling back to HTTP/1.1. */
  http2?: boolean;
  /** Accept any TLS certificate (self-signed test secondaries). */
  tlsInsecure?: boolean;
  /** PEM CA bundle to trust for the target. */
  ca?: string;
}

export interface LoadRunOptions {
  target: string;
  source: RequestSource;
  durationMs: number;
  /** Open model: scheduled arrivals. */
  arrivals?: Arrivals;
  /** Closed model: this many loops, each sending when the previous completes. */
  closed?: { vus: number };
  http: HttpOptions;
  headers?: Record<string, string>;
  faults?: readonly GeneratorFault[];
  random: Random;
  /** Run only arrivals with index % count === index (distributed agents). */
  segment?: { index: number; count: number };
  /** Warm the HTTP client against an in-process server before the clock starts (default true). */
  warmUp?: boolean;
  /**
   * Plain-http runs without faults or pipelining go over raw keep-alive
   * HTTP/1.1 connections (default true); undici serves TLS, h2, pipelining
   * and faults.
   */
  rawHttp1?: boolean;
  /** Names the run's windows (role generator): its id (the report's meta.runId), service (default the target's host) and pod (default host-pid). */
  windowSource?: { runId?: string; service?: string; pod?: string };
}

const NOTHING_AFTER = (): void => undefined;

/**
 * One load run. Open model: arrivals are scheduled in advance; on each wake
 * every due arrival is sent; latency is measured from the intended send time,
 * so a stalled target shows up in the percentiles (no coordinated omission);
 * the pacer's lateness is recorded as schedule lag; arrivals that would
 * exceed maxInFlight are dropped and counted. Requests go out over one
 * transport (raw HTTP/1.1 or undici; `invalid-header` faults over raw
 * one-off connections) and end in one completion path, whatever sent them.
 * Events (`LoadRunEvents`): progress and window (1/s), done, report, error.
 * Producers do not know consumers: outputs listen.
 */
export class LoadRun extends EventEmitter<LoadRunEvents> implements LoadDriver {
  readonly recorder = new RunRecorder();
  private readonly opts: LoadRunOptions;
  /** Where requests go: raw HTTP/1.1 (plain http, no faults, no pipelining) or undici. */
  private readonly transport: Transport;
  /** The invalid-header fault's raw connections (created on first use). */
  private rawTransport: RawTransport | undefined;
  /** Whether requests go over raw HTTP/1.1 rather than undici. */
  private readonly raw: boolean;
  private readonly windowSource: WindowSource;
  /** The load model's loop: the open model's pacer or the closed model's loops (one file each, in load/). */
  private readonly loop: LoadLoop;
  private inFlight = 0;
  private t0 = 0;
  private progressTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private finished: (() => void) | undefined;
  private lastProgress = { at: 0, intended: 0, completed: 0 };
  private readonly targetUrl: URL;

  constructor(opts: LoadRunOptions) {
    super();
    this.opts = opts;
    const h = opts.http;
    this.targetUrl = new URL(opts.target);
    this.raw = this.targetUrl.protocol === 'http:' && !h.http2 && h.pipelining <= 1 && !opts.faults?.length && opts.rawHttp1 !== false;
    // The closed model over raw HTTP/1.1: one connection per loop (as autocannon does), each loop sending one request at a time.
    this.transport = this.raw
      ? new H1Transport(this.targetUrl, opts.closed ? opts.closed.vus : h.connections, h.timeoutMs)
      : new UndiciTransport(opts.target, h);
    const w = opts.windowSource ?? {};
    this.windowSource = {
      service: (w.service ?? this.targetUrl.host).slice(0, 253), pod: (w.pod ?? `${hostname()}-${process.pid}`).slice(0, 253), role: 'generator',
      ...(w.runId ? { runId: w.runId } : {}),
    };
    this.loop = opts.closed ? new ClosedLoop(this, opts.closed.vus, opts.durationMs) : new OpenLoop(this, opts.arrivals!, h.maxInFlight, opts.segment);
  }

  /** The intensity knob (effective at the next arrival). */
  get multiplier(): number {
    return this.opts.arrivals?.multiplier ?? 1;
  }

  set multiplier(m: number) {
    if (this.opts.arrivals && 'multiplier' in this.opts.arrivals) this.opts.arrivals.multiplier = m;
  }

  /** Requests outstanding now. */
  get inFlightCount(): number {
    return this.inFlight;
  }

  get elapsedMs(): number {
    return this.t0 ? performance.now() - this.t0 : 0;
  }

  async run(): Promise<RunRecorder> {
    try {
      return await this.runToEnd();
    } catch (err) {
      if (this.listenerCount('error') > 0) this.emit('error', err as Error);
      throw err;
    }
  }

  private async runToEnd(): Promise<RunRecorder> {
    // The warm-up exercises the open-model path (raw or undici); the raw closed loop uses neither.
    if (this.opts.warmUp !== false && !(this.opts.closed && this.raw)) {
      // Our own open-model path against a loopback server, with the run's HTTP options (not h2/TLS:
      // the throwaway server is plain http), headers and no faults; a fixed request and its own
      // random, so the run's request sequence is the same with or without a warm-up.
      await warmUp((target, arrivals, durationMs) => new LoadRun({
        target, arrivals, durationMs, warmUp: false, random: seededRandom(1), rawHttp1: this.raw,
        source: fixedSource({ path: '/warm-up', headers: { 'user-agent': 'shadowtwin-warm-up' } }),
        http: { ...this.opts.http, http2: false, tlsInsecure: false, ca: undefined, maxInFlight: Math.max(64, this.opts.http.maxInFlight) },
        ...(this.opts.headers ? { headers: this.opts.headers } : {}),
      }).run());
    }
    this.t0 = performance.now();
    // Windows cost a second table per request: recorded only when someone listens from the start.
    if (this.listenerCount('window') > 0) this.recorder.startWindows(Date.now());
    const done = new Promise<void>((resolve) => { this.finished = resolve; });
    this.progressTimer = setInterval(() => this.everySecond(), 1000);
    this.loop.begin(this.t0);
    await done;
    clearInterval(this.progressTimer);
    this.everySecond();
    await Promise.all([this.transport.close(), this.rawTransport?.close()]);
    this.emit('done', this.recorder);
    return this.recorder;
  }

  /** The once-a-second events (and the last ones, at the end). */
  private everySecond(): void {
    const w = this.recorder.rotateWindow(Date.now());
    if (w) this.emit('window', windowFromTable(this.windowSource, w.start, w.end, w.table));
    // Percentiles over every route each second are not free: only when someone listens.
    if (this.listenerCount('progress') > 0) this.emit('progress', this.progress());
  }

  /** Whether `stop()` was called (the run may end before its duration). */
  get stopRequested(): boolean {
    return this.stopped;
  }

  /** Stops scheduling; in-flight requests finish (bounded by the HTTP timeout). */
  stop(): void {
    this.stopped = true;
    this.loop.stop();
    this.maybeFinish();
  }

  /** @internal (LoadDriver) Ends the run once its loop has nothing more to send and nothing is outstanding. */
  maybeFinish(): void {
    if (this.inFlight === 0 && this.loop.exhausted) {
      this.finished?.();
      this.finished = undefined;
    }
  }

  private progress(): Progress {
    const now = this.elapsedMs;
    const r = this.recorder;
    const dt = Math.max(1, now - this.lastProgress.at) / 1000;
    const p = {
      elapsedMs: Math.round(now), durationMs: this.opts.durationMs,
      intendedRate: (r.intended - this.lastProgress.intended) / dt,
      achievedRate: (r.completed - this.lastProgress.completed) / dt,
      ...(() => { const s = summarizeMs(r.routes.total().latency); return { p50: s.p50, p99: s.p99 }; })(),
      requests: r.completed, errors: r.errors, dropped: r.dropped, inFlight: this.inFlight, multiplier: this.multiplier,
    };
    this.lastProgress = { at: now, intended: r.intended, completed: r.completed };
    return p;
  }

  // ---- dispatch ----

  /** Requests not sent because their head would be unsafe on the wire (by reason: bad_method, bad_target, bad_header). */
  readonly rejected: Partial<Record<RequestProblem, number>> = {};

  /**
   * The last check before a request reaches either client (raw HTTP/1.1 or
   * undici): a method, path or header that would split the request head is
   * never sent, whatever source produced it; it is counted in `rejected`.
   */
  private unsafe(spec: RequestSpec): boolean {
    const problem = requestProblem(spec.method, spec.path, this.headersFor(spec));
    if (problem === undefined) return false;
    this.rejected[problem] = (this.rejected[problem] ?? 0) + 1;
    return true;
  }

  /** @internal (LoadDriver) Starts arrival `index`: draws its request, checks it, picks a fault, sends it (and any duplicates). */
  start(index: number, intendedMs: number, after?: () => void): void {
    const spec = this.opts.source.next(index, intendedMs);
    if (this.unsafe(spec)) {
      // Deferred: a closed loop drawing only unsafe requests must not recurse synchronously.
      if (after) setImmediate(after); else this.maybeFinish();
      return;
    }
    const fault = this.opts.faults?.length ? pickFault(this.opts.faults, spec.route, this.opts.random) : undefined;
    if (fault === undefined) { this.send(spec, intendedMs, undefined, after ?? NOTHING_AFTER); return; }
    this.recorder.injected(fault.kind);
    const copies = fault.kind === 'duplicate' ? Math.max(1, fault.copies ?? 2) : 1;
    let pending = copies;
    const doneOne = copies === 1 ? (after ?? NOTHING_AFTER) : (): void => {
      if (--pending === 0) after?.();
    };
    const send = (): void => {
      for (let c = 0; c < copies; c++) this.send(spec, intendedMs, fault, doneOne);
    };
    if (fault.kind === 'delay' && (fault.ms ?? 0) > 0) {
      this.inFlight += copies; // held requests count against maxInFlight
      setTimeout(() => { this.inFlight -= copies; send(); }, fault.ms);
    } else {
      send();
    }
  }

  /** Scenario headers merged into each spec once (specs are reused), not per request. */
  private readonly mergedHeaders = new WeakMap<RequestSpec, Record<string, string>>();

  /** Every request carries the load tag: a sidecar's data port refuses it rather than forward it to its primary. */
  private headersFor(spec: RequestSpec): Record<string, string> {
    let h = this.mergedHeaders.get(spec);
    if (h === undefined) {
      h = { ...spec.headers, ...this.opts.headers, [LOAD_HEADER]: '1' };
      this.mergedHeaders.set(spec, h);
    }
    return h;
  }

  /**
   * Puts one request on the wire over the run's transport (or, for the
   * invalid-header fault, a raw connection of its own); every request ends
   * in `complete`, whatever sent it.
   */
  private send(spec: RequestSpec, intendedMs: number, fault: GeneratorFault | undefined, after: () => void): void {
    const transport = fault?.kind === 'invalid-header'
      ? (this.rawTransport ??= new RawTransport(this.targetUrl, this.opts.http.timeoutMs, this.opts.http.tlsInsecure === true))
      : this.transport;
    const reqBytes = requestBodyBytes(spec, fault);
    this.recorder.send(intendedMs, reqBytes);
    this.inFlight++;
    transport.send(spec, this.headersFor(spec), fault, (err, status, resBytes) => this.complete(spec, intendedMs, fault, reqBytes, err, status, resBytes, after));
  }

  /** The one completion path: latency from the intended send time, the outcome and its ST_* code, the recorder, the next send. */
  private complete(spec: RequestSpec, intendedMs: number, fault: GeneratorFault | undefined, reqBytes: number, err: { code?: string } | undefined, status: number, resBytes: number, after: () => void): void {
    const latency = performance.now() - this.t0 - intendedMs;
    let outcome: Outcome;
    let code: string | undefined;
    if (err === undefined) outcome = statusClass(status);
    else {
      const kind = transportFailure(err.code);
      outcome = failureOutcome(kind);
      code = transportCode(kind);
    }
    this.recorder.complete(spec.route, spec.method, intendedMs, latency, outcome, status, reqBytes, resBytes, fault?.kind, code);
    this.inFlight--;
    after();
    this.maybeFinish();
  }
}
