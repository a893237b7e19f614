import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PROXY_METRIC } from '../common/index.js';

/** Every metric name the sidecar exports, declared once in common (default PromQL queries are built from them). */
export const METRIC = PROXY_METRIC;

/** Latency buckets in seconds: 0.5 ms … 30 s, dense where sidecars live. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export type ProxyMetrics = ReturnType<typeof createProxyMetrics>;

/** One registry per sidecar instance so several can live in one process (tests). */
/**
 * Values read at scrape time rather than pushed into prom-client on the
 * request path: a plain `+=` per request instead of a labelled-metric call
 * (measured: prom-client calls were a visible share of per-request CPU).
 */
export interface ScrapeSources {
  members(): number;
  health(): Array<{ origin: string; healthy: boolean }>;
  totals: HotTotals;
}

/** Counters the request path bumps directly. */
export interface HotTotals {
  inFlight: number;
  requestBytes: number;
  responseBytes: number;
  mirrorSent: number;
  mirrorInFlight: number;
}

export function createHotTotals(): HotTotals {
  return { inFlight: 0, requestBytes: 0, responseBytes: 0, mirrorSent: 0, mirrorInFlight: 0 };
}

export function createProxyMetrics(sources: ScrapeSources, registry = new Registry(), defaultMetrics = true) {
  if (defaultMetrics) collectDefaultMetrics({ register: registry });
  // These prom-client gauges end in _total, which Prometheus reserves for
  // counters (promtool rejects them); the per-type gauges carry the same data.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  return {
    registry,
    requestDuration: new Histogram({
      name: METRIC.requestDuration, help: 'Time from request arrival to the last response byte, by route template, method and status.',
      labelNames: ['route', 'method', 'status'] as const, buckets: LATENCY_BUCKETS, registers: [registry],
    }),
    requestsInFlight: new Gauge({ name: METRIC.requestsInFlight, help: 'Requests being proxied now.', registers: [registry], collect() { this.set(sources.totals.inFlight); } }),
    upstreamErrors: new Counter({ name: METRIC.upstreamErrors, help: 'Primary requests that failed at the proxy, by error code.', labelNames: ['code'] as const, registers: [registry] }),
    clientErrors: new Counter({ name: METRIC.clientErrors, help: 'Client connections rejected before forwarding (malformed, too large, too slow).', labelNames: ['reason'] as const, registers: [registry] }),
    requestBytes: new Counter({ name: METRIC.requestBytes, help: 'Request body bytes forwarded to the primary.', registers: [registry], collect() { this.reset(); this.inc(sources.totals.requestBytes); } }),
    responseBytes: new Counter({ name: METRIC.responseBytes, help: 'Response body bytes returned to clients.', registers: [registry], collect() { this.reset(); this.inc(sources.totals.responseBytes); } }),
    upstreamHealthy: new Gauge({
      name: METRIC.upstreamHealthy, help: '1 when the primary host is in rotation, 0 while ejected.', labelNames: ['upstream'] as const, registers: [registry],
      collect() {
        this.reset();
        for (const m of sources.health()) this.labels(m.origin).set(m.healthy ? 1 : 0);
      },
    }),
    upstreamEjections: new Counter({ name: METRIC.upstreamEjections, help: 'Passive health-check ejections, by primary host.', labelNames: ['upstream'] as const, registers: [registry] }),
    upstreamMembers: new Gauge({
      name: METRIC.upstreamMembers, help: 'Primary hosts in the membership set.', registers: [registry],
      collect() { this.set(sources.members()); },
    }),
    mirrorSent: new Counter({ name: METRIC.mirrorSent, help: 'Shadow requests sent to the secondary.', registers: [registry], collect() { this.reset(); this.inc(sources.totals.mirrorSent); } }),
    mirrorDropped: new Counter({ name: METRIC.mirrorDropped, help: 'Shadow requests not sent, by reason.', labelNames: ['reason'] as const, registers: [registry] }),
    mirrorFailed: new Counter({ name: METRIC.mirrorFailed, help: 'Shadow requests that failed at the secondary, by error code.', labelNames: ['code'] as const, registers: [registry] }),
    mirrorInFlight: new Gauge({ name: METRIC.mirrorInFlight, help: 'Shadow requests in flight.', registers: [registry], collect() { this.set(sources.totals.mirrorInFlight); } }),
    mirrorDuration: new Histogram({
      name: METRIC.mirrorDuration, help: 'Secondary response time for shadow requests, by route and status.',
      labelNames: ['route', 'status'] as const, buckets: LATENCY_BUCKETS, registers: [registry],
    }),
    captureWritten: new Counter({ name: METRIC.captureWritten, help: 'Request records written to the capture file.', registers: [registry] }),
    captureDropped: new Counter({ name: METRIC.captureDropped, help: 'Request records dropped instead of written, by reason.', labelNames: ['reason'] as const, registers: [registry] }),
    captureBytes: new Counter({ name: METRIC.captureBytes, help: 'Bytes written to capture files (before compression).', registers: [registry] }),
    faultsInjected: new Counter({ name: METRIC.faultsInjected, help: 'Faults injected by the fault filter, by kind.', labelNames: ['kind'] as const, registers: [registry] }),
    faultsSkipped: new Counter({ name: METRIC.faultsSkipped, help: 'Faults not injected because maxActiveFaults was reached.', registers: [registry] }),
  };
}

/**
 * A histogram's labelled children, cached by their two or three label
 * values: prom-client's `labels()` builds and hashes a label object on every
 * call, a few microseconds a request on the sidecar's hot paths.
 */
export function childCache(h: Histogram<string>): (a: string, b: string, c?: string) => { observe(v: number): void } {
  const children = new Map<string, { observe(v: number): void }>();
  return (a, b, c) => {
    const key = c === undefined ? a + '\0' + b : a + '\0' + b + '\0' + c;
    let child = children.get(key);
    if (child === undefined) {
      child = c === undefined ? h.labels(a, b) : h.labels(a, b, c);
      children.set(key, child);
    }
    return child;
  };
}
