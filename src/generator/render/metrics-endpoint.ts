import { startEndpoint, type Histogram } from '../../common/index.js';
import type { LoadRun } from '../load-run.js';

/** Prometheus metric names of a running generator (declared once, documented in docs/generator.md). */
export const GENERATOR_METRIC = {
  intended: 'shadowtwin_generator_arrivals_intended_total',
  sent: 'shadowtwin_generator_requests_sent_total',
  completed: 'shadowtwin_generator_requests_completed_total',
  dropped: 'shadowtwin_generator_arrivals_dropped_total',
  inFlight: 'shadowtwin_generator_requests_in_flight',
  multiplier: 'shadowtwin_generator_rate_multiplier',
  latency: 'shadowtwin_generator_latency_seconds',
  lag: 'shadowtwin_generator_schedule_lag_seconds',
  faults: 'shadowtwin_generator_faults_injected_total',
  bytesSent: 'shadowtwin_generator_sent_bytes_total',
  bytesReceived: 'shadowtwin_generator_received_bytes_total',
  transportFailures: 'shadowtwin_generator_transport_failures_total',
} as const;

const QUANTILES = [0.5, 0.9, 0.99, 0.999] as const;
const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function summary(lines: string[], name: string, help: string, h: Histogram): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} summary`);
  for (const q of QUANTILES) lines.push(`${name}{quantile="${q}"} ${h.totalCount ? h.getValueAtPercentile(q * 100) / 1e6 : 0}`);
  lines.push(`${name}_sum ${(h.mean * h.totalCount) / 1e6}`, `${name}_count ${h.totalCount}`);
}

/**
 * The exposition text for a run, computed at scrape time from the recorder
 * (counters are the recorder's own counts: nothing is updated per request).
 * Latency is a summary over the run so far, from the intended send time.
 */
export function generatorMetricsText(run: LoadRun): string {
  const r = run.recorder;
  const lines: string[] = [];
  const counter = (name: string, help: string, value: number): void => { lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`); };
  const gauge = (name: string, help: string, value: number): void => { lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`); };
  counter(GENERATOR_METRIC.intended, 'Arrivals scheduled so far (the intended load).', r.intended);
  counter(GENERATOR_METRIC.sent, 'Requests sent.', r.sent);
  lines.push(`# HELP ${GENERATOR_METRIC.completed} Requests completed, by outcome (status class or transport error).`, `# TYPE ${GENERATOR_METRIC.completed} counter`);
  for (const [outcome, n] of Object.entries(r.outcomes)) lines.push(`${GENERATOR_METRIC.completed}{outcome="${esc(outcome)}"} ${n}`);
  counter(GENERATOR_METRIC.dropped, 'Arrivals dropped because too many requests were outstanding.', r.dropped);
  gauge(GENERATOR_METRIC.inFlight, 'Requests outstanding now.', run.inFlightCount);
  gauge(GENERATOR_METRIC.multiplier, 'The intensity multiplier applied to the scheduled rate.', run.multiplier);
  summary(lines, GENERATOR_METRIC.latency, 'Latency from the intended send time (no coordinated omission), all routes.', r.routes.total().latency);
  summary(lines, GENERATOR_METRIC.lag, 'How late the pacer sent each arrival.', r.lag);
  lines.push(`# HELP ${GENERATOR_METRIC.faults} Request faults injected, by kind.`, `# TYPE ${GENERATOR_METRIC.faults} counter`);
  for (const [kind, f] of Object.entries(r.faults)) lines.push(`${GENERATOR_METRIC.faults}{kind="${esc(kind)}"} ${f.injected}`);
  counter(GENERATOR_METRIC.bytesSent, 'Request body bytes sent.', r.bytesSent);
  counter(GENERATOR_METRIC.bytesReceived, 'Response body bytes received.', r.bytesReceived);
  const codes: Record<string, number> = {};
  for (const s of r.routes.values()) for (const [code, n] of Object.entries(s.codes)) codes[code] = (codes[code] ?? 0) + n;
  lines.push(`# HELP ${GENERATOR_METRIC.transportFailures} Requests that ended below HTTP, by transport code (ST_TIMEOUT, ST_CONNECT_TIMEOUT, ST_ABORTED, ...).`, `# TYPE ${GENERATOR_METRIC.transportFailures} counter`);
  for (const [code, n] of Object.entries(codes)) lines.push(`${GENERATOR_METRIC.transportFailures}{code="${esc(code)}"} ${n}`);
  return lines.join('\n') + '\n';
}

export interface MetricsServer { url: string; close(): Promise<void> }

/**
 * `GET /metrics` for a running generator (`generate --metrics ADDR`), a
 * listener like the other renderers: it serves the run it is attached to,
 * values computed at scrape time, and closes itself when the run is done.
 * An authenticated endpoint (`startEndpoint`): loopback unless a bearer
 * token is set (SHADOWTWIN_METRICS_TOKEN), JSON errors from the registry.
 */
export async function startGeneratorMetrics(run: LoadRun, addr: string, token?: string): Promise<MetricsServer> {
  const endpoint = await startEndpoint({
    name: 'generator metrics', setting: '--metrics', listen: addr, token, tokenHint: 'SHADOWTWIN_METRICS_TOKEN',
    routes: { 'GET /metrics': () => ({ body: generatorMetricsText(run), type: 'text/plain; version=0.0.4; charset=utf-8' }) },
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    run.off('done', onDone);
    return (closing ??= endpoint.close());
  };
  const onDone = (): void => { void close(); };
  run.on('done', onDone);
  return { url: `${endpoint.url}/metrics`, close };
}
