import type { IncomingMessage } from 'node:http';
import { ShadowtwinError, type EndpointHandler } from '../../common/index.js';
import { serveEventStream } from '../events/index.js';
import type { Controller } from '../controller.js';
import { scalingRoutes } from '../scaling/index.js';
import { stateDocument } from './state-document.js';
import { runRoutes } from '../runs/index.js';

function query(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://x').searchParams;
}

function service(req: IncomingMessage, c: Controller): string {
  const s = query(req).get('service');
  if (!s) throw new ShadowtwinError('ST_ERR_ADMIN_BAD_REQUEST', 'give ?service=NAME (GET /api/v1/services lists them)');
  if (!c.fleet.serviceNames().includes(s) && !c.config.services.some((x) => x.name === s) && !c.store.services().includes(s)) {
    throw new ShadowtwinError('ST_ERR_ADMIN_NOT_FOUND', `no service ${JSON.stringify(s)}; GET /api/v1/services lists them`);
  }
  return s;
}

function int(req: IncomingMessage, key: string, def: number, min: number, max: number): number {
  const v = query(req).get(key);
  if (v === null) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ShadowtwinError('ST_ERR_ADMIN_BAD_REQUEST', `?${key}=${v}: give a whole number from ${min} to ${max}`);
  return n;
}

/** The controller's HTTP API: health, metrics, and a JSON read API under /api/v1/ with a server-sent event stream. */
export function controllerApiRoutes(c: Controller): Record<string, EndpointHandler> {
  return {
    ...scalingRoutes(c.scaling),
    'GET /healthz': () => {
      const h = c.store.health();
      return h.ok ? { body: { status: 'ok' } } : { status: 503, body: { status: 'store failing', code: h.code, message: h.message, since: h.since } };
    },
    'GET /metrics': async () => ({ body: await c.metrics.registry.metrics(), type: c.metrics.registry.contentType }),
    'GET /api/v1/state': (req) => ({ body: stateDocument(c, { events: int(req, 'events', 50, 0, 1_000) }) }),
    'GET /api/v1/services': () => ({
      body: { services: [...new Set([...c.fleet.serviceNames(), ...c.config.services.map((s) => s.name), ...c.store.services()])].sort() },
    }),
    'GET /api/v1/pods': (req) => {
      const s = service(req, c);
      return { body: { service: s, live: c.fleet.pods(s), stored: c.store.pods(s) } };
    },
    'GET /api/v1/series': (req) => {
      const s = service(req, c);
      const now = Date.now();
      const from = int(req, 'from', now - 3_600_000, 0, now + 1);
      const to = int(req, 'to', now, from, now + 366 * 86_400_000);
      const step = int(req, 'step', 0, 0, 86_400_000);
      const stored = c.store.rateSeries(s, { from, to, ...(step ? { stepMs: step } : {}) });
      const f = c.forecasts.forecast(s);
      return {
        body: {
          service: s, unit: 'req/s', stepMs: stored.stepMs, resolution: stored.resolution,
          points: stored.points.map((p) => ({ at: p.start, rate: p.rate, errors: p.errors })),
          forecast: f ? { model: f.model, stepMs: f.stepMs, level: c.config.forecast.level, points: f.points.map((p) => ({ at: p.ts, point: p.point, lower: p.lower, upper: p.upper })) } : null,
        },
      };
    },
    'GET /api/v1/forecast': (req) => {
      const s = service(req, c);
      const doc = c.store.getDocument('shadowtwin.forecast', s);
      if (!doc) throw new ShadowtwinError('ST_ERR_ADMIN_NOT_FOUND', `no forecast for ${s} yet: it needs a few minutes of windows (or forecast.prometheus to seed the history)`);
      return { body: doc.doc };
    },
    'GET /api/v1/model': (req) => {
      const s = service(req, c);
      const t = c.fleet.recentTable(s, 'primary');
      const routes = t ? [...t.table.values()].map((r) => ({
        route: r.route, method: r.method, requests: r.requests, errors: r.errors, status: r.status, codes: r.codes,
        reqBytesMean: r.requests ? r.reqBytes / r.requests : 0, resBytesMean: r.requests ? r.resBytes / r.requests : 0,
        latencyMs: { p50: r.latency.getValueAtPercentile(50) / 1000, p99: r.latency.getValueAtPercentile(99) / 1000 },
      })).sort((a, b) => b.requests - a.requests) : [];
      const total = routes.reduce((a, r) => a + r.requests, 0);
      return { body: { service: s, spanMs: t?.spanMs ?? 0, requests: total, routes: routes.map((r) => ({ ...r, share: total ? r.requests / total : 0 })) } };
    },
    'GET /api/v1/comparison': (req) => {
      const s = service(req, c);
      const cmp = c.fleet.comparison(s);
      if (!cmp) return { body: { service: s, comparison: null, bottlenecks: [], note: 'no mirrored (secondary) windows yet: enable mirroring on the sidecars' } };
      return { body: { service: s, comparison: cmp, bottlenecks: c.fleet.bottlenecks(s).map((r) => `${r.method} ${r.route}`) } };
    },
    'GET /api/v1/events': (req) => {
      const q = query(req);
      const after = int(req, 'after', Math.max(0, c.events.latestId - 100), 0, Number.MAX_SAFE_INTEGER);
      const limit = int(req, 'limit', 100, 1, 10_000);
      const filter = { ...(q.get('service') ? { service: q.get('service')! } : {}), ...(q.get('kind') ? { kind: q.get('kind')! } : {}) };
      // The same shape as the event stream and /state: { id, at, kind, service?, data }.
      const events = c.store.eventsSince(after, limit, filter).map((e) => ({ id: e.id, at: e.at, kind: e.kind, ...(e.service ? { service: e.service } : {}), data: e.payload ?? {} }));
      return { body: { events, latestId: c.events.latestId } };
    },
    'GET /api/v1/events/stream': (req, res) => {
      const q = query(req);
      const svc = q.get('service');
      serveEventStream(req, res, c.events, {
        backfill: (after, limit) => c.store.eventsSince(after, limit).map((e) => ({ id: e.id, at: e.at, kind: e.kind, ...(e.service ? { service: e.service } : {}), data: (e.payload ?? {}) as Record<string, unknown> })),
        ...(svc ? { filter: (e) => e.service === svc } : {}),
      });
      return undefined;
    },
    ...runRoutes(c.runs),
  };
}
