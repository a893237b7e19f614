import { ShadowtwinError } from '../../common/errors.js';
import { createHistogram, encodeHistogram, mergeHistograms } from '../../common/histogram.js';
import { DistinctCounter } from './distinct-counter.js';
import { addCounts, encodeCounts, type SparseCounts } from './count-runs.js';
import { MODEL_VERSION } from './model-version.js';
import { parseRequestModel } from './read-request-model.js';
import { rateShape, secondCounts, stepCounts } from './rate-series.js';
import type { RequestModel, RequestModelV1, RouteModel } from './request-model.js';

const addMaps = (a: Record<string, number>, b: Record<string, number>): Record<string, number> => {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
};

/** Register-wise union of HyperLogLog counters; undefined if any side lacks one (older models). */
function mergeDistinct(...parts: Array<string | undefined>): string | undefined {
  if (parts.some((p) => p === undefined)) return undefined;
  const out = DistinctCounter.fromBase64(parts[0]!);
  for (const p of parts.slice(1)) out.merge(DistinctCounter.fromBase64(p!));
  return out.toBase64();
}

/**
 * Merges models built from shards (several sidecars, several files) into
 * the model of their union: counts, histograms and series add exactly.
 * Sessions that cross shards are counted once per shard (shard by session
 * key to avoid that); path and exemplar samples are concatenated and capped.
 */
export function mergeModels(inputs: ReadonlyArray<RequestModel | RequestModelV1>): RequestModel {
  if (inputs.length === 0) throw new ShadowtwinError('ST_ERR_USAGE', 'nothing to merge');
  const models = inputs.map((m, i) => parseRequestModel(m, `input ${i + 1}`));
  const stepMs = models[0]!.rate.stepMs;
  if (models.some((m) => m.rate.stepMs !== stepMs)) throw new ShadowtwinError('ST_ERR_USAGE', 'models have different rate steps; build them with the same --step');
  const records = models.reduce((a, m) => a + m.provenance.records, 0);
  const routes = new Map<string, RouteModel>();
  for (const m of models) {
    for (const r of m.routes) {
      const k = `${r.method} ${r.route}`;
      const cur = routes.get(k);
      if (!cur) { routes.set(k, { ...r, paths: [...r.paths], exemplars: [...r.exemplars] }); continue; }
      cur.requests += r.requests;
      cur.status = addMaps(cur.status, r.status);
      cur.reqBytes = encodeHistogram(mergeHistograms([cur.reqBytes, r.reqBytes]));
      cur.resBytes = encodeHistogram(mergeHistograms([cur.resBytes, r.resBytes]));
      if (r.latency) cur.latency = encodeHistogram(mergeHistograms(cur.latency ? [cur.latency, r.latency] : [r.latency]));
      cur.queryKeySets = addMaps(cur.queryKeySets, r.queryKeySets);
      cur.contentTypes = addMaps(cur.contentTypes, r.contentTypes);
      cur.userAgents = addMaps(cur.userAgents, r.userAgents);
      cur.geo = addMaps(cur.geo, r.geo);
      // A route generalised at build keeps a larger pool of raw paths (see model-builder).
      if (r.collapsed) cur.collapsed = true;
      cur.paths = [...cur.paths, ...r.paths].slice(0, cur.collapsed ? 200 : 50);
      cur.exemplars = [...cur.exemplars, ...r.exemplars].slice(0, 3);
      cur.distinctPaths = mergeDistinct(cur.distinctPaths, r.distinctPaths);
    }
  }
  for (const r of routes.values()) r.weight = r.requests / Math.max(1, records);
  // Counts add slot by slot; the shape (hours, weekdays, dispersion) is recomputed from the summed seconds.
  const sum = (pick: (m: RequestModel) => SparseCounts): SparseCounts => models.map(pick).reduce(addCounts);
  const steps = sum((m) => stepCounts(m.rate));
  const seconds = sum((m) => secondCounts(m.rate));
  const withSessions = models.filter((m) => m.sessions);
  let sessions: RequestModel['sessions'] = null;
  if (withSessions.length) {
    const transitions: Record<string, Record<string, number>> = {};
    for (const m of withSessions) for (const [f, tos] of Object.entries(m.sessions!.transitions)) transitions[f] = addMaps(transitions[f] ?? {}, tos);
    sessions = {
      gapMs: withSessions[0]!.sessions!.gapMs,
      ...(withSessions[0]!.sessions!.identity ? { identity: withSessions[0]!.sessions!.identity } : {}),
      count: withSessions.reduce((a, m) => a + m.sessions!.count, 0),
      length: encodeHistogram(mergeHistograms(withSessions.map((m) => m.sessions!.length))),
      thinkTimeMs: encodeHistogram(withSessions.reduce((h, m) => { h.add(mergeHistograms([m.sessions!.thinkTimeMs])); return h; }, createHistogram())),
      start: withSessions.reduce((a, m) => addMaps(a, m.sessions!.start), {} as Record<string, number>),
      startUserAgents: withSessions.reduce((acc, m) => {
        for (const [k, v] of Object.entries(m.sessions!.startUserAgents ?? {})) acc[k] = addMaps(acc[k] ?? {}, v);
        return acc;
      }, {} as Record<string, Record<string, number>>),
      transitions,
    };
  }
  const clients = new Map<string, number>();
  for (const m of models) for (const c of m.clients.top) clients.set(c.client, (clients.get(c.client) ?? 0) + c.requests);
  const skippedByReason = models.reduce((a, m) => addMaps(a, m.provenance.skipped.byReason), {} as Record<string, number>);
  return {
    kind: 'shadowtwin.request-model', version: MODEL_VERSION,
    provenance: {
      inputs: models.flatMap((m) => m.provenance.inputs),
      window: { start: Math.min(...models.map((m) => m.provenance.window.start)), end: Math.max(...models.map((m) => m.provenance.window.end)) },
      records,
      skipped: { total: models.reduce((a, m) => a + m.provenance.skipped.total, 0), byReason: skippedByReason },
      ...(models.some((m) => m.provenance.longPaths) ? { longPaths: models.reduce((a, m) => a + (m.provenance.longPaths ?? 0), 0) } : {}),
      tool: models[0]!.provenance.tool,
    },
    routes: [...routes.values()].sort((a, b) => b.requests - a.requests),
    sessions,
    rate: { stepMs, steps: encodeCounts(steps, stepMs), seconds: encodeCounts(seconds, 1000), ...rateShape(seconds) },
    userAgents: models.reduce((a, m) => addMaps(a, m.userAgents), {} as Record<string, number>),
    routeSources: models.every((m) => m.routeSources) ? models.reduce((a, m) => ({ table: a.table + m.routeSources!.table, source: a.source + m.routeSources!.source, inferred: a.inferred + m.routeSources!.inferred }), { table: 0, source: 0, inferred: 0 }) : undefined,
    clients: {
      // Exact union when every shard carries its registers; a lower bound (the largest shard) otherwise.
      ...(models.every((m) => m.clients.hll) ? (() => { const hll = mergeDistinct(models[0]!.clients.hll, ...models.slice(1).map((m) => m.clients.hll))!; return { distinct: DistinctCounter.fromBase64(hll).estimate(), hll }; })() : { distinct: Math.max(...models.map((m) => m.clients.distinct)) }),
      top: [...clients.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([client, requests]) => ({ client, requests })),
      ...(models.find((m) => m.clients.header) ? { header: models.find((m) => m.clients.header)!.clients.header } : {}) },
    ...(models.find((m) => m.geoHeader) ? { geoHeader: models.find((m) => m.geoHeader)!.geoHeader } : {}),
  };
}
