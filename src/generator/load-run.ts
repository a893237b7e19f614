import { EventEmitter } from 'node:events';
import { Pool, type Dispatcher } from 'undici';
import { Http1Pool, LOAD_HEADER, renderRequest, requestProblem, seededRandom, summarizeMs, type Random, type RequestProblem } from '../common/index.js';
import { pickFault, type GeneratorFault } from './faults.js';
import { invalidHeaderHead, rawRequest } from './raw-request.js';
import { warmUp } from './warm-up.js';
import { errorOutcome, RunRecorder, statusClass, type Outcome } from './run-recorder.js';
import { fixedSource, type RequestSource, type RequestSpec } from './sources/request-source.js';

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
}

export interface Progress {
  elapsedMs: number;
  durationMs: number;
  intendedRate: number;
  achievedRate: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  dropped: number;
  inFlight: number;
  multiplier: number;
}

/** How long before an arrival the pacer stops sleeping on timers and switches to short precise sleeps. */
const PRECISE_MS = 2;
/** Longest precise sleep: the most a response can wait to be read because of the pacer. */
const SLEEP_SLICE_MS = 0.25;
/** A futex sleep overshoots by ~0.1 ms (timer slack and wake-up): asked for that much less. */
const SLEEP_OVERSHOOT_MS = 0.1;
const SLEEP_CELL = new Int32Array(new SharedArrayBuffer(4));

class FaultError extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}

/**
 * One load run. Open model: arrivals are scheduled in advance; on each wake
 * every due arrival is sent; latency is measured from the intended send time,
 * so a stalled target shows up in the percentiles (no coordinated omission);
 * the pacer's lateness is recorded as schedule lag; arrivals that would
 * exceed maxInFlight are dropped and counted. Events: `progress` (1/s),
 * `done` (the recorder). Producers do not know consumers: outputs listen.
 */
export class LoadRun extends EventEmitter {
  readonly recorder = new RunRecorder();
  private readonly opts: LoadRunOptions;
  private readonly pool: Pool;
  private readonly churnPool: Pool;
  /** Raw HTTP/1.1 connections (when `raw`). */
  private readonly h1Pool: Http1Pool | undefined;
  /** Whether requests go over raw HTTP/1.1 rather than undici. */
  private readonly raw: boolean;
  private inFlight = 0;
  private t0 = 0;
  private arrivalIndex = 0;
  private nextAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private finished: (() => void) | undefined;
  private lastProgress = { at: 0, intended: 0, completed: 0 };
  private readonly targetUrl: URL;
  private rawVariant = 0;

  constructor(opts: LoadRunOptions) {
    super();
    this.opts = opts;
    const h = opts.http;
    this.targetUrl = new URL(opts.target);
    const connect = { timeout: Math.min(h.timeoutMs, 10_000), ...(h.tlsInsecure ? { rejectUnauthorized: false } : {}), ...(h.ca ? { ca: h.ca } : {}) };
    const common = { headersTimeout: h.timeoutMs, bodyTimeout: h.timeoutMs, connect };
    this.pool = new Pool(opts.target, { ...common, connections: h.connections, pipelining: h.pipelining, ...(h.http2 ? { allowH2: true } : {}) });
    // Connection churn gets its own small pool so it cannot starve the main one.
    this.churnPool = new Pool(opts.target, { ...common, connections: 16, pipelining: 1 });
    this.pool.on('connectionError', () => undefined);
    this.churnPool.on('connectionError', () => undefined);
    this.raw = this.targetUrl.protocol === 'http:' && !h.http2 && h.pipelining <= 1 && !opts.faults?.length && opts.rawHttp1 !== false;
    // The closed model: one connection per loop (as autocannon does), each loop sending one request at a time.
    this.h1Pool = this.raw ? new Http1Pool(this.targetUrl.hostname, Number(this.targetUrl.port || 80), opts.closed ? opts.closed.vus : h.connections, h.timeoutMs) : undefined;
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
    const done = new Promise<void>((resolve) => { this.finished = resolve; });
    // Percentiles over every route each second are not free: only when someone listens.
    this.progressTimer = setInterval(() => { if (this.listenerCount('progress') > 0) this.emit('progress', this.progress()); }, 1000);
    if (this.opts.closed) this.startClosed(this.opts.closed.vus);
    else {
      this.nextAt = this.opts.arrivals!.next();
      this.tick();
    }
    await done;
    clearInterval(this.progressTimer);
    if (this.listenerCount('progress') > 0) this.emit('progress', this.progress());
    this.h1Pool?.close();
    await Promise.all([this.pool.close(), this.churnPool.close()]);
    this.emit('done', this.recorder);
    return this.recorder;
  }

  /** Whether `stop()` was called (the run may end before its duration). */
  get stopRequested(): boolean {
    return this.stopped;
  }

  /** Stops scheduling; in-flight requests finish (bounded by the HTTP timeout). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.nextAt = undefined;
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if ((this.nextAt === undefined || this.stopped) && this.inFlight === 0 && (!this.opts.closed || this.stopped || this.elapsedMs >= this.opts.durationMs)) {
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

  // ---- open model ----

  private readonly tick = (): void => {
    this.timer = undefined;
    this.immediate = undefined;
    // Stopped (possibly during the warm-up, before the clock started): finish once in-flight requests have.
    if (this.stopped) { this.maybeFinish(); return; }
    const seg = this.opts.segment;
    const max = this.opts.http.maxInFlight;
    // The clock is read per arrival: in a burst, later arrivals leave later, and their lag says so.
    let now = performance.now() - this.t0;
    for (; this.nextAt !== undefined && this.nextAt <= now; now = performance.now() - this.t0) {
      const intended = this.nextAt;
      const index = this.arrivalIndex++;
      this.nextAt = this.opts.arrivals!.next();
      if (seg && index % seg.count !== seg.index) continue;
      this.recorder.arrival(intended, now - intended);
      if (this.inFlight >= max) {
        this.recorder.drop(intended);
        continue;
      }
      this.start(index, intended);
    }
    if (this.nextAt === undefined) {
      this.maybeFinish();
      return;
    }
    const wait = this.nextAt - now;
    // Node's timers have 1 ms granularity and fire up to ~1 ms late (a 0 ms
    // timeout is 1 ms): with timers alone, arrivals 0.2 ms apart (5,000/s)
    // left ~1 ms late as a rule. So: a timer until ~2 ms before the next
    // arrival, then short futex sleeps (Atomics.wait takes fractional ms)
    // with an event-loop turn between them, so responses are still read
    // (a sleep never exceeds SLEEP_SLICE_MS). Spinning on setImmediate
    // instead cost a core, and on two cores shared with the target the
    // scheduler then preempted the generator for whole time slices.
    if (wait > PRECISE_MS) this.timer = setTimeout(this.tick, wait - PRECISE_MS);
    else {
      if (wait > SLEEP_OVERSHOOT_MS) Atomics.wait(SLEEP_CELL, 0, 0, Math.min(wait - SLEEP_OVERSHOOT_MS, SLEEP_SLICE_MS));
      this.immediate = setImmediate(this.tick);
    }
  };

  // ---- closed model ----

  private startClosed(vus: number): void {
    const loop = (vu: number, i: number): void => {
      if (this.stopped || this.elapsedMs >= this.opts.durationMs) {
        this.maybeFinish();
        return;
      }
      const now = this.elapsedMs;
      this.recorder.arrival(now, 0);
      const next = (): void => loop(vu, i + 1);
      if (this.h1Pool) {
        const spec = this.opts.source.next(vu + i * vus, now);
        if (this.unsafe(spec)) setImmediate(next);
        else this.sendH1(spec, now, next);
      }
      else this.start(vu + i * vus, now, next);
    };
    for (let vu = 0; vu < vus; vu++) loop(vu, 0);
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

  private start(index: number, intendedMs: number, after?: () => void): void {
    const spec = this.opts.source.next(index, intendedMs);
    if (this.unsafe(spec)) {
      // Deferred: a closed loop drawing only unsafe requests must not recurse synchronously.
      if (after) setImmediate(after); else this.maybeFinish();
      return;
    }
    const fault = this.opts.faults?.length ? pickFault(this.opts.faults, spec.route, this.opts.random) : undefined;
    if (fault) this.recorder.injected(fault.kind);
    const copies = fault?.kind === 'duplicate' ? Math.max(1, fault.copies ?? 2) : 1;
    let pending = copies;
    const doneOne = (): void => {
      if (--pending === 0) after?.();
    };
    const send = (): void => {
      for (let c = 0; c < copies; c++) this.send(spec, intendedMs, fault, doneOne);
    };
    if (fault?.kind === 'delay' && (fault.ms ?? 0) > 0) {
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

  /** Request bytes rendered once per spec (specs are reused) for the raw HTTP/1.1 path. */
  private readonly rendered = new WeakMap<RequestSpec, Buffer>();

  /** The raw HTTP/1.1 path (plain http, no faults): pre-rendered bytes over the pool. */
  private sendH1(spec: RequestSpec, intendedMs: number, after: () => void): void {
    let bytes = this.rendered.get(spec);
    if (!bytes) { bytes = renderRequest(spec.method, spec.path, this.targetUrl.host, this.headersFor(spec), spec.body); this.rendered.set(spec, bytes); }
    const reqBytes = spec.body?.length ?? 0;
    this.recorder.send(intendedMs, reqBytes);
    this.inFlight++;
    this.h1Pool!.send(bytes, spec.method === 'HEAD', (err, status, resBytes) => {
      const latency = performance.now() - this.t0 - intendedMs;
      const outcome = err ? errorOutcome(err) : statusClass(status);
      this.recorder.complete(spec.route, spec.method, intendedMs, latency, outcome, status, reqBytes, resBytes, undefined);
      this.inFlight--;
      after();
      this.maybeFinish();
    });
  }

  private send(spec: RequestSpec, intendedMs: number, fault: GeneratorFault | undefined, after: () => void): void {
    if (this.h1Pool) { this.sendH1(spec, intendedMs, after); return; } // raw runs have no faults
    this.inFlight++;
    const headers = this.headersFor(spec);
    let body: Dispatcher.DispatchOptions['body'] = spec.body;
    let pool = this.pool;
    let timeoutMs = -1;
    let abortAfterMs = -1;
    switch (fault?.kind) {
      case 'timeout': timeoutMs = fault.ms ?? 100; break; // 0 = give up at once
      case 'abort': abortAfterMs = fault.ms ?? 0; break;
      case 'churn': pool = this.churnPool; break;
      default: break;
    }
    let sendHeaders = headers;
    if (fault?.kind === 'oversized-header') sendHeaders = { ...headers, 'x-shadowtwin-pad': 'p'.repeat(fault.bytes ?? 32 * 1024) };
    if (fault?.kind === 'malformed-body') {
      const text = spec.body && spec.body.length > 2 ? spec.body.subarray(0, Math.floor(spec.body.length / 2)) : Buffer.from('{"truncated":');
      body = text;
      sendHeaders = { ...headers, 'content-type': headers['content-type'] ?? 'application/json' };
    }
    if (fault?.kind === 'slow-body') {
      const size = spec.body?.length || (fault.bytes ?? 1024);
      const payload = spec.body ?? Buffer.alloc(size, 0x61);
      body = trickle(payload, fault.bytesPerSec ?? 1024) as unknown as Dispatcher.DispatchOptions['body'];
      sendHeaders = { ...headers, 'content-length': String(payload.length) };
    }
    const reqBytes = typeof body === 'object' && Buffer.isBuffer(body) ? body.length : spec.body?.length ?? 0;
    this.recorder.send(intendedMs, reqBytes);
    if (fault?.kind === 'invalid-header') {
      this.sendRaw(spec, intendedMs, headers, reqBytes, after);
      return;
    }

    let status = 0;
    let resBytes = 0;
    let abort: ((err?: Error) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      const latency = performance.now() - this.t0 - intendedMs;
      this.recorder.complete(spec.route, spec.method, intendedMs, latency, outcome, status, reqBytes, resBytes, fault?.kind);
      this.inFlight--;
      after();
      this.maybeFinish();
    };
    const handler: Dispatcher.DispatchHandler = {
      onConnect: (a) => {
        abort = a;
        if (abortAfterMs >= 0) timer = setTimeout(() => a(new FaultError('ST_ABORTED', 'aborted by fault')), abortAfterMs);
      },
      onHeaders: (s) => { status = s; return true; },
      onData: (chunk) => { resBytes += chunk.length; return true; },
      onComplete: () => finish(statusClass(status)),
      onError: (err) => finish(errorOutcome(err as NodeJS.ErrnoException)),
    };
    if (timeoutMs >= 0) timer = setTimeout(() => abort?.(new FaultError('ST_TIMEOUT', 'client timeout (fault)')), timeoutMs);
    try {
      pool.dispatch({ path: spec.path, method: spec.method as Dispatcher.HttpMethod, headers: sendHeaders, body, reset: fault?.kind === 'churn' }, handler);
    } catch (err) {
      finish(errorOutcome(err as NodeJS.ErrnoException));
    }
  }

  /** The invalid-header fault: undici refuses to build such a request, so it goes over a raw connection. */
  private sendRaw(spec: RequestSpec, intendedMs: number, headers: Record<string, string>, reqBytes: number, after: () => void): void {
    const url = this.targetUrl;
    const head = invalidHeaderHead(spec.method, spec.path, url.host, headers, spec.body?.length ?? 0, this.rawVariant++);
    void rawRequest(url, head, spec.body ?? undefined, this.opts.http.timeoutMs, this.opts.http.tlsInsecure === true).then((r) => {
      const outcome: Outcome = r.status ? statusClass(r.status) : errorOutcome({ code: r.error } as NodeJS.ErrnoException);
      const latency = performance.now() - this.t0 - intendedMs;
      this.recorder.complete(spec.route, spec.method, intendedMs, latency, outcome, r.status, reqBytes, r.bytes, 'invalid-header');
      this.inFlight--;
      after();
      this.maybeFinish();
    });
  }
}

async function* trickle(payload: Buffer, bytesPerSec: number): AsyncGenerator<Buffer> {
  const chunk = Math.max(1, Math.floor(bytesPerSec / 10));
  for (let i = 0; i < payload.length; i += chunk) {
    yield payload.subarray(i, i + chunk);
    await new Promise((r) => setTimeout(r, 100));
  }
}
