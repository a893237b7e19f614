import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { vi } from 'vitest';
import { RouteStatsTable, windowFromTable, type WindowDocument } from '../../src/common/index.js';
import { Controller, parseControllerConfig } from '../../src/control/index.js';
import { startWorkerPool, type WorkerPool } from '../../src/demo/worker-pool.js';
import type { ForecastResult } from '../../src/forecast/index.js';
import type { Sidecar } from '../../src/proxy/index.js';
import { startSidecar } from './servers.js';

export const TOKEN = 'controller-scaling-token-0123456789';

export async function api(method: 'GET' | 'POST', url: string, token: string | null = TOKEN): Promise<{ status: number; body: any }> {
  const res = await request(url, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
}

/** A primary window of shop traffic: `rate` req/s over [end − 1 s, end), 3 product views per search. */
export function shopWindow(end: number, rate: number): WindowDocument {
  const t = new RouteStatsTable();
  for (let i = 0; i < rate; i++) {
    if (i % 4 === 3) t.get('/search', 'GET').record(200, 14, 0, 900, false);
    else t.get('/products/:id', 'GET').record(200, 3, 0, 400, false);
  }
  return windowFromTable({ service: 'shop', pod: 'shop-1', role: 'primary' }, end - 1_000, end, t);
}

/**
 * The controller's forecast of a service, seeded: `level` points a minute
 * apart from now, at `rate` req/s, with a well-calibrated backtest (so the
 * confidence is high and the forecast is planned on as is).
 */
export function seededForecast(rate: number, o: { relMae?: number; coverage?: number } = {}): ForecastResult {
  const now = Date.now();
  const points = Array.from({ length: 10 }, (_, i) => ({
    ts: now + (i + 1) * 60_000, point: rate, lower: rate * 0.9, upper: rate * 1.1,
    intervals: { '0.8': { lower: rate * 0.9, upper: rate * 1.1 }, '0.95': { lower: rate * 0.8, upper: rate * 1.3 } },
  }));
  return {
    model: 'seeded', baseline: 'naive', horizon: 10, stepMs: 60_000, unit: 'req/s', points,
    backtest: { folds: 3, horizon: 10, mase: 0.5, smape: 0.1, relMae: o.relMae ?? 0.4, coverage: { '0.8': o.coverage ?? 0.8 }, models: [] },
    season: { period: 0, source: 'none', candidates: [] },
  };
}

export interface ScalingRig {
  dir: string;
  pool: WorkerPool;
  secondary: Sidecar;
  /** The membership the secondary routes to (GET /membership). */
  members(): Promise<string[]>;
  config(o: { mode: 'auto' | 'approve'; validation?: Record<string, unknown>; interval?: string; approveWithin?: string }): ReturnType<typeof parseControllerConfig>;
  start(config: ReturnType<typeof parseControllerConfig>, forecastRate: () => number, backtest?: { relMae?: number; coverage?: number }): Promise<Controller>;
  close(): Promise<void>;
}

/** A worker pool of 3 behind a real secondary sidecar (1 host in rotation), and controllers on one data dir. */
export async function scalingRig(): Promise<ScalingRig> {
  const dir = mkdtempSync(join(tmpdir(), 'st-ctl-scale-'));
  const pool = await startWorkerPool(3, { concurrency: 4 });
  const secondary = await startSidecar({ primary: [pool.urls[0]!], role: 'secondary' });
  const controllers: Controller[] = [];
  const membership = { kind: 'membership', admin: secondary.addresses.admin, pool: pool.urls };
  return {
    dir, pool, secondary,
    async members() {
      const r = await api('GET', `${secondary.addresses.admin}/membership`, null);
      return (r.body.primary as Array<{ origin: string }>).map((h) => h.origin);
    },
    config: (o) => parseControllerConfig({
      grpc: '127.0.0.1:0', http: '127.0.0.1:0', data: dir, token: TOKEN, windowMs: '1s',
      services: [{
        name: 'shop',
        scaling: [{
          target: 'web', capacityPerReplica: 20, mode: o.mode, interval: o.interval ?? '1s', ...(o.approveWithin ? { approveWithin: o.approveWithin } : {}),
          policy: { minReplicas: 1, maxReplicas: 3, leadTimeMs: '0s', lookAheadMs: '5m', headroom: 1, targetUtilization: 1, cooldownMs: '0s' },
          actuator: membership, slo: { p99Ms: 3000, errorRate: 0.05 }, // loose: a loaded test machine must not fail a validation on latency
          validation: { target: secondary.addresses.proxy, duration: '1s', maxAttempts: 2, actuator: membership, ...o.validation },
        }],
      }],
    }),
    async start(config, forecastRate, backtest) {
      const c = await Controller.start({ config, defaultMetrics: false });
      controllers.push(c);
      vi.spyOn(c.forecasts, 'forecast').mockImplementation(() => seededForecast(forecastRate(), backtest));
      return c;
    },
    async close() {
      for (const c of controllers) await c.stop();
      await secondary.stop();
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** 20 s of primary windows whose rate rises from 10 to 29 req/s, committed like a telemetry batch. */
export async function feedRisingRate(c: Controller, batchId = 'b1'): Promise<void> {
  const now = Date.now();
  const windows = Array.from({ length: 20 }, (_, i) => shopWindow(now - (20 - i) * 1_000, 10 + i));
  await c.ingest({ batchId, sender: 'shop/shop-1', peer: 'test', windows });
}
