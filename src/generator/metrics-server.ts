import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatHostPort, isLoopback, parseHostPort, ShadowtwinError, tokenMatches, type Histogram } from '../common/index.js';
import type { LoadRun } from './load-run.js';

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
  return lines.join('\n') + '\n';
}

export interface MetricsServer { url: string; close(): Promise<void> }

/**
 * `GET /metrics` for a running generator (`generate --metrics ADDR`).
 * Loopback by default; any other address needs a bearer token, compared in
 * constant time, like the sidecar's admin port.
 */
export async function startGeneratorMetrics(run: LoadRun, addr: string, token?: string): Promise<MetricsServer> {
  const hp = parseHostPort(addr);
  if (!hp) throw new ShadowtwinError('ST_ERR_USAGE', `--metrics ${addr}: give host:port, e.g. 127.0.0.1:9465`);
  if (!isLoopback(hp.host) && !token) throw new ShadowtwinError('ST_ERR_USAGE', `--metrics ${addr} is not a loopback address: set SHADOWTWIN_METRICS_TOKEN so scrapes need a bearer token`);
  const server: Server = createServer((req, res) => {
    if (token && !tokenMatches((req.headers.authorization ?? '').replace(/^Bearer /i, ''), token)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
      return;
    }
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') { res.writeHead(404).end(); return; }
    const body = generatorMetricsText(run);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new ShadowtwinError('ST_ERR_LISTEN_FAILED', `--metrics ${addr}: cannot listen (${err.code ?? err.message}${err.code === 'EADDRINUSE' ? ': the port is in use' : err.code === 'EADDRNOTAVAIL' ? ': the address is not on this host' : err.code === 'EACCES' ? ': no permission for that port' : ''}); choose a free port on a local address`, { cause: err })));
    server.listen(hp.port, hp.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${formatHostPort({ host: hp.host, port })}/metrics`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
