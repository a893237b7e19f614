import { EventEmitter } from 'node:events';
import { RouteStatsTable, windowFromTable, type WindowDocument, type WindowSource } from '../common/index.js';

/**
 * Per-window route stats of one source (a sidecar's primary side, or the
 * secondary side of its mirroring): counts, status mix, ST_* codes, sizes,
 * HDR latency. `rotate` closes the window, emits it as `window` (a
 * `WindowDocument`, skipped when empty) and folds it into the cumulative
 * table, so consecutive windows merged with `mergeWindows` equal
 * `snapshot()`. The request path only touches the current window.
 */
export class WindowAggregator extends EventEmitter<{ window: [WindowDocument] }> {
  readonly source: WindowSource;
  private current: RouteStatsTable;
  private readonly cumulative: RouteStatsTable;
  private windowStart = Date.now();
  private readonly maxRoutes: number;

  constructor(source: WindowSource, maxRoutes: number) {
    super();
    this.source = source;
    this.maxRoutes = maxRoutes;
    this.current = new RouteStatsTable(maxRoutes);
    this.cumulative = new RouteStatsTable(maxRoutes);
  }

  /** One finished request; `code` is the ST_* code it ended with, if any (counted in `codes`). */
  record(route: string, method: string, status: number, durationMs: number, reqBytes: number, resBytes: number, code: string | undefined): void {
    const s = this.current.get(route, method);
    s.record(status, durationMs, reqBytes, resBytes, code !== undefined);
    if (code !== undefined) s.recordCode(code);
  }

  /** Closes the current window at `end` (emitting it when it saw requests) and opens the next. */
  rotate(end = Date.now()): WindowDocument {
    const table = this.current;
    this.current = new RouteStatsTable(this.maxRoutes);
    const doc = windowFromTable(this.source, this.windowStart, Math.max(end, this.windowStart), table);
    this.windowStart = doc.end;
    for (const s of table.values()) this.cumulative.get(s.route, s.method).add(s);
    if (doc.routes.length > 0) this.emit('window', doc);
    return doc;
  }

  /** Everything since start, including the open window. */
  snapshot(): RouteStatsTable {
    const out = new RouteStatsTable(this.maxRoutes);
    for (const s of this.cumulative.values()) out.get(s.route, s.method).add(s);
    for (const s of this.current.values()) out.get(s.route, s.method).add(s);
    return out;
  }
}
