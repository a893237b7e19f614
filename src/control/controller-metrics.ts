import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** The controller's Prometheus metric names, declared once (alert rules and dashboards build on them). */
export const CONTROLLER_METRIC = {
  windows: 'shadowtwin_controller_windows_total',
  windowsRefused: 'shadowtwin_controller_windows_refused_total',
  batches: 'shadowtwin_controller_batches_total',
  groupCommits: 'shadowtwin_controller_group_commits_total',
  storeHealthy: 'shadowtwin_controller_store_healthy',
  pods: 'shadowtwin_controller_pods',
  rate: 'shadowtwin_controller_request_rate',
  forecastRate: 'shadowtwin_controller_forecast_request_rate',
  forecastUpper: 'shadowtwin_controller_forecast_request_rate_upper',
  events: 'shadowtwin_controller_events_total',
  refits: 'shadowtwin_controller_forecast_refits_total',
  drift: 'shadowtwin_controller_drift_total',
} as const;

export type ControllerMetrics = ReturnType<typeof createControllerMetrics>;

export function createControllerMetrics(defaultMetrics = true) {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    windows: new Counter({ name: CONTROLLER_METRIC.windows, help: 'Windows committed, by role.', labelNames: ['role'] as const, registers: r }),
    windowsRefused: new Counter({ name: CONTROLLER_METRIC.windowsRefused, help: 'Windows not taken in, by reason (unknown_service, too_many_services, too_many_pods).', labelNames: ['reason'] as const, registers: r }),
    batches: new Counter({ name: CONTROLLER_METRIC.batches, help: 'Telemetry batches committed (duplicates: resends of committed batches).', labelNames: ['result'] as const, registers: r }),
    groupCommits: new Counter({ name: CONTROLLER_METRIC.groupCommits, help: 'Store transactions that committed telemetry (each covers every batch that arrived meanwhile).', registers: r }),
    storeHealthy: new Gauge({ name: CONTROLLER_METRIC.storeHealthy, help: '1 while the last store write succeeded.', registers: r }),
    pods: new Gauge({ name: CONTROLLER_METRIC.pods, help: 'Pods reporting, by service and state (live, gone).', labelNames: ['service', 'state'] as const, registers: r }),
    rate: new Gauge({ name: CONTROLLER_METRIC.rate, help: 'Primary request rate (req/s) over the last complete windows.', labelNames: ['service'] as const, registers: r }),
    forecastRate: new Gauge({ name: CONTROLLER_METRIC.forecastRate, help: 'Forecast request rate (req/s) at the end of the horizon.', labelNames: ['service'] as const, registers: r }),
    forecastUpper: new Gauge({ name: CONTROLLER_METRIC.forecastUpper, help: 'Upper bound of the forecast interval at the end of the horizon.', labelNames: ['service'] as const, registers: r }),
    events: new Counter({ name: CONTROLLER_METRIC.events, help: 'Events recorded, by kind.', labelNames: ['kind'] as const, registers: r }),
    refits: new Counter({ name: CONTROLLER_METRIC.refits, help: 'Forecast refits, by reason (first, schedule, drift).', labelNames: ['service', 'reason'] as const, registers: r }),
    drift: new Counter({ name: CONTROLLER_METRIC.drift, help: 'Drift detected (rate outside the interval too often, or the route mix moved).', labelNames: ['service', 'check'] as const, registers: r }),
  };
}
