// Real documents of every contract, built by the code that writes them (for the contract tests).
import {
  FORECAST_CONTRACT, HISTOGRAMS_CONTRACT, REQUEST_MODEL_CONTRACT, RouteStatsTable, RUN_REPORT_CONTRACT, WINDOW_CONTRACT, windowFromTable,
  type Contract, type ForecastDocument, type HistogramDump, type WindowDocument,
} from '../../../../src/common/index.js';
import { forecastDocument, forecastSeries } from '../../../../src/forecast/index.js';
import { buildReport, RunRecorder, type RunReport } from '../../../../src/generator/index.js';
import { ModelBuilder, type RequestModel } from '../../../../src/profiler/index.js';

export const T0 = Date.UTC(2026, 10, 20, 9, 30);

/** Records `n` requests over a few routes, statuses, codes and latencies (deterministic from `seed`) into `t`. */
export function fill(t: RouteStatsTable, n: number, seed = 1): RouteStatsTable {
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 16807) % 2147483647;
    const s = t.get(`/items/${x % 3}`, x % 4 ? 'GET' : 'POST');
    const status = [200, 200, 201, 404, 503][x % 5]!;
    s.record(status, (x % 90_000) / 7 + 0.05, x % 300, x % 5000, status === 503);
    if (status === 503) s.recordCode('ST_ERR_UPSTREAM_UNREACHABLE');
    if (x % 7 === 0) s.recordCode('ST_ERR_FAULT_ABORT');
  }
  return t;
}

export const table = (n: number, seed = 1): RouteStatsTable => fill(new RouteStatsTable(100), n, seed);

export function windowDoc(n = 200, seed = 1, start = T0, end = T0 + 10_000): WindowDocument {
  return windowFromTable({ service: 'shop', pod: `shop-${seed}`, role: 'primary' }, start, end, table(n, seed));
}

export function histogramDump(): HistogramDump {
  return { kind: 'shadowtwin.histograms', version: 1, start: T0, end: T0 + 60_000, primary: table(300, 3).encode(), secondary: table(120, 5).encode() };
}

export function runReport(): RunReport {
  const r = new RunRecorder();
  for (let i = 0, at = 0; i < 50; i++, at += 10) {
    r.arrival(at, 0);
    r.send(at, 0);
    r.complete(i % 3 ? '/a' : '/b', 'GET', at, 2 + (i % 7), i % 10 ? '2xx' : '5xx', i % 10 ? 200 : 503, 10, 100, undefined);
  }
  return buildReport(r, { tool: 'shadowtwin', version: 't', target: 'http://127.0.0.1:1', executor: 'constant-rate', source: 'fixed', seed: 1, start: new Date(T0).toISOString(), durationMs: 1000 }, [{ expr: 'p99 < 1s' }]);
}

export function requestModel(): RequestModel {
  const b = new ModelBuilder({ random: () => 0.5 });
  for (let i = 0; i < 300; i++) {
    b.add({ ts: T0 + i * 7_000, method: i % 5 ? 'GET' : 'POST', target: i % 5 ? `/items/${i % 17}?q=${i}` : '/orders', status: i % 11 ? 200 : 503, resBytes: 100 + i, client: `10.0.0.${i % 9}`, userAgent: 'Mozilla/5.0 Firefox/120.0' });
  }
  return b.build();
}

export async function forecast(): Promise<ForecastDocument> {
  const values = Array.from({ length: 96 }, (_, i) => 50 + 20 * Math.sin((2 * Math.PI * i) / 24) + (i % 5));
  const result = await forecastSeries({ start: T0, stepMs: 3_600_000, values, unit: 'req/s' }, { horizon: 6, models: ['naive', 'snaive'], period: 24 });
  return forecastDocument(result);
}

/** Every contract with a real document and a damage that a reader must name. */
export interface Case {
  name: string;
  contract: Contract<unknown>;
  build(): unknown;  // or a Promise of it
  /** A damaged copy and the field the refusal must name. */
  damage(doc: Record<string, unknown>): Record<string, unknown>;
  field: RegExp;
}

export const CASES: Case[] = [
  { name: 'window', contract: WINDOW_CONTRACT as Contract<unknown>, build: () => windowDoc(), damage: (d) => ({ ...d, routes: [{ ...(d.routes as object[])[0], requests: -1 }] }), field: /routes\.0\.requests/ },
  { name: 'histograms', contract: HISTOGRAMS_CONTRACT as Contract<unknown>, build: histogramDump, damage: (d) => ({ ...d, secondary: [{ ...(d.secondary as object[])[0], status: 'many' }] }), field: /secondary\[0\]\.status/ },
  { name: 'run-report', contract: RUN_REPORT_CONTRACT as Contract<unknown>, build: runReport, damage: (d) => ({ ...d, summary: { ...(d.summary as object), bytesSent: 'lots' } }), field: /summary\.bytesSent/ },
  { name: 'request-model', contract: REQUEST_MODEL_CONTRACT as Contract<unknown>, build: requestModel, damage: (d) => ({ ...d, routes: [{ ...(d.routes as object[])[0], weight: 2 }] }), field: /routes\.0\.weight/ },
  { name: 'forecast', contract: FORECAST_CONTRACT as Contract<unknown>, build: forecast, damage: (d) => ({ ...d, points: [{ ...(d.points as object[])[0], point: 'high' }] }), field: /points\.0\.point/ },
];
