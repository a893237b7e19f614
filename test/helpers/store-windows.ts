import { RouteStatsTable } from '../../src/common/index.js';
import { windowFromTable, type WindowDocument, type WindowRole } from '../../src/common/contracts/index.js';

/** A window of `routes` routes with `perRoute` requests each (latencies spread over 1–100 ms, every 10th a 503). */
export function sampleWindow(opts: { service?: string; pod?: string; role?: WindowRole; start: number; end?: number; routes?: number; perRoute?: number; seed?: number }): WindowDocument {
  const t = new RouteStatsTable();
  const routes = opts.routes ?? 3;
  const per = opts.perRoute ?? 5;
  let x = opts.seed ?? opts.start % 9973;
  for (let r = 0; r < routes; r++) {
    const s = t.get(`/api/r${r}/:id`, r % 3 === 2 ? 'POST' : 'GET');
    for (let i = 0; i < per; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      s.record(i % 10 === 9 ? 503 : 200, 1 + (x % 100_000) / 1000, 100 + r, 1000 + i, false);
    }
  }
  return windowFromTable({ service: opts.service ?? 'checkout', pod: opts.pod ?? 'pod-a', role: opts.role ?? 'primary' }, opts.start, opts.end ?? opts.start + 1000, t);
}

/** The parts of a merged window that must be equal for an exact merge: per route counts, statuses and the latency summary. */
export function mergedShape(w: WindowDocument | undefined): unknown {
  if (!w) return undefined;
  return w.routes.map((r) => ({ route: r.route, method: r.method, requests: r.requests, errors: r.errors, reqBytes: r.reqBytes, resBytes: r.resBytes, status: r.status, latencyMs: r.latencyMs }))
    .sort((a, b) => (a.method + a.route).localeCompare(b.method + b.route));
}
