import { EventEmitter } from 'node:events';
import { RouteStatsTable, type EncodedRouteStats } from '../common/index.js';

/** One telemetry window: what the control plane and profiler consume live. */
export interface WindowSummary {
  start: number;
  end: number;
  routes: EncodedRouteStats[];
}

/**
 * Per-window route stats (counts, status mix, sizes, HDR latency). Each
 * window is emitted as `window` with encoded histograms, then folded into
 * the cumulative table; the request path only touches the current window.
 */
export class WindowAggregator extends EventEmitter {
  private current: RouteStatsTable;
  private readonly cumulative: RouteStatsTable;
  private windowStart = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private readonly maxRoutes: number;

  constructor(maxRoutes: number) {
    super();
    this.maxRoutes = maxRoutes;
    this.current = new RouteStatsTable(maxRoutes);
    this.cumulative = new RouteStatsTable(maxRoutes);
  }

  start(windowMs: number): void {
    this.timer = setInterval(() => this.rotate(), windowMs);
    this.timer.unref();
  }

  record(route: string, method: string, status: number, durationMs: number, reqBytes: number, resBytes: number, error: boolean): void {
    this.current.get(route, method).record(status, durationMs, reqBytes, resBytes, error);
  }

  /** Closes the current window (emitting it) and opens the next. */
  rotate(): WindowSummary {
    const end = Date.now();
    const table = this.current;
    this.current = new RouteStatsTable(this.maxRoutes);
    const summary: WindowSummary = { start: this.windowStart, end, routes: table.encode() };
    this.windowStart = end;
    for (const s of table.values()) this.cumulative.get(s.route, s.method).add(s);
    if (summary.routes.length > 0) this.emit('window', summary);
    return summary;
  }

  /** Everything since start, including the open window. */
  snapshot(): RouteStatsTable {
    const out = new RouteStatsTable(this.maxRoutes);
    for (const s of this.cumulative.values()) out.get(s.route, s.method).add(s);
    for (const s of this.current.values()) out.get(s.route, s.method).add(s);
    return out;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.rotate();
  }
}
