import { createHistogram, encodeHistogram, tableFromWindows, type WindowDocument } from '../../common/index.js';
import { encodeCounts, type SparseCounts } from './count-runs.js';
import { rateShape } from './rate-series.js';
import { REQUEST_MODEL_KIND, REQUEST_MODEL_VERSION } from './read-request-model.js';
import type { RequestModel, RouteModel } from './request-model.js';

export interface ModelFromWindowsOptions {
  /** Values each route parameter (`:id`, `*`) takes in the synthesised paths: 1..n (default 20). */
  ids?: number;
  /** Step of the model's rate series (default 60 s). */
  stepMs?: number;
}

/** `/products/:id/reviews` → `/products/7/reviews` (every `:param` and `*` segment gets the id). */
export function fillTemplate(route: string, id: number): string {
  return route.split('/').map((seg) => (seg.startsWith(':') || seg === '*' ? String(id) : seg)).join('/');
}

/** An HDR of `count` values of `value` + 1 (the model stores sizes as bytes + 1). */
function sizeHistogram(value: number, count: number): string {
  const h = createHistogram();
  if (count > 0) h.recordValueWithCount(Math.max(0, Math.round(value)) + 1, count);
  return encodeHistogram(h);
}

function addSlot(m: Map<number, number>, slot: number, n: number): void {
  m.set(slot, (m.get(slot) ?? 0) + n);
}

function sparse(m: Map<number, number>): SparseCounts {
  const slots = [...m.keys()].filter((k) => m.get(k)! >= 1).sort((a, b) => a - b);
  return { slots, counts: slots.map((s) => m.get(s)!) };
}

/**
 * A request model from windows (the live mix: what a sidecar summarised),
 * for synthesising today's traffic without a capture: per route its
 * weight, method, status mix, latency, and sizes (windows keep only the
 * byte totals, so each route's sizes are its means); paths are the route
 * template with its parameters filled by ids 1..n. Routes that are not
 * paths (the `other` overflow) are left out. The rate series spreads each
 * window's requests evenly over its seconds. No sessions, no identities
 * (windows carry none). Pure.
 */
export function modelFromWindows(windows: readonly WindowDocument[], o: ModelFromWindowsOptions = {}): RequestModel {
  const ids = Math.max(1, Math.floor(o.ids ?? 20));
  const stepMs = o.stepMs ?? 60_000;
  const table = tableFromWindows(windows);
  const stats = [...table.values()].filter((r) => r.route.startsWith('/') && r.requests > 0);
  const total = stats.reduce((a, r) => a + r.requests, 0);
  const routes: RouteModel[] = stats.map((r) => {
    const hasParam = r.route.split('/').some((s) => s.startsWith(':') || s === '*');
    return {
      route: r.route, method: r.method, requests: r.requests, weight: total ? r.requests / total : 0,
      status: { ...r.status },
      reqBytes: sizeHistogram(r.reqBytes / r.requests, r.requests),
      resBytes: sizeHistogram(r.resBytes / r.requests, r.requests),
      latency: encodeHistogram(r.latency),
      queryKeySets: {}, contentTypes: {}, userAgents: {}, geo: {},
      paths: hasParam ? Array.from({ length: ids }, (_, i) => fillTemplate(r.route, i + 1)) : [r.route],
      exemplars: [],
    };
  }).sort((a, b) => b.requests - a.requests || `${a.method} ${a.route}`.localeCompare(`${b.method} ${b.route}`));
  const steps = new Map<number, number>();
  const seconds = new Map<number, number>();
  let start = Infinity;
  let end = -Infinity;
  for (const w of windows) {
    const n = w.routes.filter((r) => r.route.startsWith('/')).reduce((a, r) => a + r.requests, 0);
    start = Math.min(start, w.start);
    end = Math.max(end, w.end);
    if (n === 0) continue;
    const first = Math.floor(w.start / 1000);
    const secs = Math.max(1, Math.ceil(w.end / 1000) - first);
    // Whole requests per second, the remainder on the first seconds: counts stay integers and add up to n.
    for (let i = 0; i < secs; i++) {
      const c = Math.floor(n / secs) + (i < n % secs ? 1 : 0);
      if (c === 0) continue;
      addSlot(seconds, first + i, c);
      addSlot(steps, Math.floor(((first + i) * 1000) / stepMs), c);
    }
  }
  const secondCounts = sparse(seconds);
  return {
    kind: REQUEST_MODEL_KIND, version: REQUEST_MODEL_VERSION,
    provenance: {
      inputs: [{ file: 'windows', format: 'windows', records: total, skipped: 0 }],
      window: { start: Number.isFinite(start) ? start : 0, end: Number.isFinite(end) ? end : 0 },
      records: total, skipped: { total: 0, byReason: {} }, tool: 'shadowtwin modelFromWindows',
    },
    routes, sessions: null,
    rate: { stepMs, steps: encodeCounts(sparse(steps), stepMs), seconds: encodeCounts(secondCounts, 1000), ...rateShape(secondCounts) },
    userAgents: {}, clients: { distinct: 0, top: [] },
    routeSources: { table: 0, source: total, inferred: 0 },
  };
}
