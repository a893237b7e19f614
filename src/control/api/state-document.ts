import type { Controller } from '../controller.js';
import type { ScalingSummary } from '../scaling/index.js';

export interface ServiceState {
  name: string;
  pods: Array<{ name: string; lastSeen: number; gone: boolean; roles: string[] }>;
  rate: {
    current: number | null;
    forecast: { horizonMs: number; point: number; lower: number; upper: number; level: number; model: string; at: number } | null;
  };
  /** The service's scaling targets: replicas (summed over targets), the last decision, each target. */
  scaling: ScalingSummary;
}

/** `GET /api/v1/state`: everything a dashboard or `ctl status` shows first, in one document. */
export function stateDocument(c: Controller, o: { events?: number } = {}): { kind: 'shadowtwin.controller-state'; version: 1; at: number; services: ServiceState[]; runs: unknown[]; events: unknown[] } {
  const now = Date.now();
  const names = [...new Set([...c.fleet.serviceNames(), ...c.config.services.map((s) => s.name)])].sort();
  const level = c.config.forecast.level;
  const services = names.map((name): ServiceState => {
    const f = c.forecasts.forecast(name);
    const last = f?.points.at(-1);
    const iv = last?.intervals[String(level)];
    return {
      name,
      pods: c.fleet.pods(name).map((p) => ({ name: p.name, lastSeen: p.lastSeen, gone: p.gone, roles: p.roles })),
      rate: {
        current: c.fleet.currentRate(name, now) ?? null,
        forecast: f && last ? { horizonMs: last.ts - (f.points[0]!.ts - f.stepMs), point: last.point, lower: iv?.lower ?? last.lower, upper: iv?.upper ?? last.upper, level, model: f.model, at: last.ts } : null,
      },
      scaling: c.scaling.summary(name),
    };
  });
  const events = c.events.since(Math.max(0, c.events.latestId - (o.events ?? 50)), o.events ?? 50).events;
  return { kind: 'shadowtwin.controller-state', version: 1, at: now, services, runs: c.runs.list().slice(0, 20), events };
}
