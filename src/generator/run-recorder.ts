import { createHistogram, recordMs, RouteStatsTable, summarizeMs, TRANSPORT_CODES, transportFailure, type Histogram, type TransportCode, type TransportFailure } from '../common/index.js';
import type { TimelinePoint } from '../common/index.js';

/** How a request ended: a status class or a transport outcome. */
export type Outcome = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'timeout' | 'reset' | 'refused' | 'aborted' | 'error';

export function statusClass(status: number): Outcome {
  return status >= 500 ? '5xx' : status >= 400 ? '4xx' : status >= 300 ? '3xx' : status >= 200 ? '2xx' : '1xx';
}

export function errorOutcome(err: NodeJS.ErrnoException): Outcome {
  return failureOutcome(transportFailure(err.code));
}

/** The report outcome of a transport failure. */
export function failureOutcome(kind: TransportFailure): Outcome {
  switch (kind) {
    case 'timeout':
    case 'connect_timeout':
      return 'timeout';
    case 'reset':
      return 'reset';
    case 'refused':
      return 'refused';
    case 'aborted':
      return 'aborted';
    default:
      return 'error';
  }
}

/** One second of the run (declared with the run report: src/common/contracts/run-report.ts). */
export type { TimelinePoint };

const CODE_OF: Partial<Record<TransportFailure, TransportCode>> = Object.fromEntries(
  Object.entries(TRANSPORT_CODES).map(([code, spec]) => [spec.failure, code as TransportCode]),
);

/** The ST_* transport code a failure is counted under in route stats (`codes`), when it has one (TRANSPORT_CODES). */
export function transportCode(kind: TransportFailure): TransportCode | undefined {
  return CODE_OF[kind];
}


interface Second { intended: number; sent: number; completed: number; errors: number; dropped: number; latency: Histogram | undefined; p50: number; p99: number; lagMax: number }

/**
 * Seconds keep their latency histogram this long, then only its p50/p99:
 * late completions (up to the HTTP timeout) still land in their intended
 * second, and a long run's memory stays flat instead of growing by one
 * histogram a second.
 */
const KEEP_SECOND_HISTOGRAMS = 64;

/**
 * Everything measured in a run: per-route stats (HDR µs), schedule lag,
 * outcomes, faults, and a per-second timeline of intended vs achieved.
 * Memory is bounded by routes and seconds, never by requests.
 */
export class RunRecorder {
  readonly routes = new RouteStatsTable(10_000);
  readonly lag = createHistogram();
  readonly outcomes: Record<string, number> = {};
  readonly faults: Record<string, { injected: number; outcomes: Record<string, number> }> = {};
  intended = 0;
  sent = 0;
  completed = 0;
  errors = 0;
  dropped = 0;
  bytesSent = 0;
  bytesReceived = 0;
  private readonly seconds: Second[] = [];
  /** Per-route stats of the current window (only while windows are recorded). */
  private window: RouteStatsTable | undefined;
  private windowStart = 0;

  private second(tMs: number): Second {
    const i = Math.max(0, Math.floor(tMs / 1000));
    while (this.seconds.length <= i) {
      const old = this.seconds[this.seconds.length - KEEP_SECOND_HISTOGRAMS];
      if (old?.latency) {
        const l = summarizeMs(old.latency);
        old.p50 = l.p50;
        old.p99 = l.p99;
        old.latency = undefined;
      }
      this.seconds.push({ intended: 0, sent: 0, completed: 0, errors: 0, dropped: 0, latency: createHistogram(), p50: 0, p99: 0, lagMax: 0 });
    }
    return this.seconds[i]!;
  }

  arrival(intendedMs: number, lagMs: number): void {
    this.intended++;
    const s = this.second(intendedMs);
    s.intended++;
    if (lagMs > s.lagMax) s.lagMax = lagMs;
    recordMs(this.lag, lagMs);
  }

  drop(intendedMs: number): void {
    this.dropped++;
    this.second(intendedMs).dropped++;
  }

  send(intendedMs: number, bytes: number): void {
    this.sent++;
    this.bytesSent += bytes;
    this.second(intendedMs).sent++;
  }

  /**
   * One request ended: `outcome` and `status` (0 without an answer), and
   * `code`, the ST_* transport code it is counted under, if any. Recorded in
   * the run's route stats and, while windows are recorded, the current window's.
   */
  complete(route: string, method: string, intendedMs: number, latencyMs: number, outcome: Outcome, status: number, reqBytes: number, resBytes: number, fault: string | undefined, code?: string): void {
    const isError = outcome === '5xx' || (outcome !== '1xx' && outcome !== '2xx' && outcome !== '3xx' && outcome !== '4xx');
    this.completed++;
    if (isError) this.errors++;
    this.bytesReceived += resBytes;
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
    const rs = this.routes.get(route, method);
    rs.record(status, latencyMs, reqBytes, resBytes, isError);
    if (code !== undefined) rs.recordCode(code);
    if (this.window !== undefined) {
      const ws = this.window.get(route, method);
      ws.record(status, latencyMs, reqBytes, resBytes, isError);
      if (code !== undefined) ws.recordCode(code);
    }
    const s = this.second(intendedMs);
    s.completed++;
    if (isError) s.errors++;
    if (s.latency) recordMs(s.latency, latencyMs);
    if (fault) {
      const f = (this.faults[fault] ??= { injected: 0, outcomes: {} });
      f.outcomes[outcome] = (f.outcomes[outcome] ?? 0) + 1;
    }
  }

  injected(fault: string): void {
    (this.faults[fault] ??= { injected: 0, outcomes: {} }).injected++;
  }

  /** Starts recording windows: completions from now on also go to a per-window table, rotated by `rotateWindow`. */
  startWindows(epochMs: number): void {
    this.window = new RouteStatsTable(this.routes.maxRoutes);
    this.windowStart = epochMs;
  }

  /** Whether windows are being recorded. */
  get windowing(): boolean {
    return this.window !== undefined;
  }

  /**
   * Ends the current window at `epochMs` and starts the next: the ended
   * window's span and table (what completed in it). Each completion is in
   * exactly one window, so the windows of a run add up to `routes`.
   */
  rotateWindow(epochMs: number): { start: number; end: number; table: RouteStatsTable } | undefined {
    const table = this.window;
    if (table === undefined) return undefined;
    const start = this.windowStart;
    const end = Math.max(start, epochMs);
    this.window = new RouteStatsTable(this.routes.maxRoutes);
    this.windowStart = end;
    return { start, end, table };
  }

  /** Arrivals scheduled in second `t` (cheap: for controllers polling every second; timeline() computes percentiles). */
  intendedIn(t: number): number {
    return this.seconds[t]?.intended ?? 0;
  }

  /** Seconds recorded so far. */
  get secondsRecorded(): number {
    return this.seconds.length;
  }

  timeline(): TimelinePoint[] {
    return this.seconds.map((s, t) => {
      const l = s.latency ? summarizeMs(s.latency) : s;
      return { t, intended: s.intended, sent: s.sent, completed: s.completed, errors: s.errors, dropped: s.dropped, p50: l.p50, p99: l.p99, lagMax: Math.round(s.lagMax * 1000) / 1000 };
    });
  }
}
