import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sidecar } from '../../src/proxy/index.js';
import { queryRange } from '../../src/profiler/index.js';
import { deadUrl, startServer, startSidecar, type TestServer } from '../helpers/servers.js';

/**
 * A real Prometheus (Debian's package, installed by scripts/install-test-deps.sh)
 * scrapes a real sidecar under load every second; the profiler reads the
 * request-rate series back through /api/v1/query_range.
 */
describe('Prometheus ingest against a real Prometheus scraping a real sidecar', () => {
  let upstream: TestServer;
  let sidecar: Sidecar;
  let prom: ChildProcess;
  let promUrl: string;
  const RATE = 40;
  let loadStart = 0;
  let loadEnd = 0;

  beforeAll(async () => {
    upstream = await startServer((_req, res) => res.end('ok'));
    sidecar = await startSidecar({ primary: [upstream.url] });
    const dir = mkdtempSync(join(tmpdir(), 'st-prom-'));
    const port = Number(new URL(await deadUrl()).port);
    promUrl = `http://127.0.0.1:${port}`;
    writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: sidecar\n    static_configs:\n      - targets: ['${new URL(sidecar.addresses.admin).host}']\n`);
    prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    prom.on('error', (e) => { throw new Error(`prometheus is needed: run scripts/install-test-deps.sh (${e.message})`); });
    for (let i = 0; i < 100; i++) {
      const ok = await request(`${promUrl}/-/ready`).then((r) => r.statusCode === 200).catch(() => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // "Ready" comes before the first scrape (discovery reaches the scrape loop on a 5 s tick): wait for a real sample.
    for (let i = 0; i < 150; i++) {
      const r = await request(`${promUrl}/api/v1/query?query=up`).then((x) => x.body.json() as Promise<{ data?: { result?: unknown[] } }>).catch(() => undefined);
      if (r?.data?.result?.length) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    // Steady load through the sidecar: RATE req/s for 8 s.
    const dispatcher = new Agent({ connections: 4 });
    loadStart = Date.now();
    const n = RATE * 8;
    for (let i = 0; i < n; i++) {
      const due = loadStart + (i * 1000) / RATE;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      void request(`${sidecar.addresses.proxy}/users/${i}`, { dispatcher }).then((r) => r.body.dump());
    }
    loadEnd = Date.now();
    // Until Prometheus has scraped at least one sample taken a second after the load ended (not a guessed sleep).
    const lastScrape = async (): Promise<number> => {
      const r = await request(`${promUrl}/api/v1/query?query=timestamp(up)`).then((x) => x.body.json() as Promise<{ data?: { result?: Array<{ value: [number, string] }> } }>).catch(() => undefined);
      return Number(r?.data?.result?.[0]?.value[1] ?? 0) * 1000;
    };
    for (const end = Date.now() + 15_000; (await lastScrape()) < loadEnd + 1000 && Date.now() < end;) await new Promise((r) => setTimeout(r, 100));
    await dispatcher.close();
  }, 40_000);

  afterAll(async () => {
    prom?.kill('SIGTERM');
    await sidecar?.stop();
    await upstream?.close();
  });

  it('reads the sidecar request rate back at the rate that was sent', async () => {
    const series = await queryRange({
      url: promUrl, query: 'sum(rate(shadowtwin_proxy_request_duration_seconds_count[3s]))',
      startMs: loadStart + 4000, endMs: loadEnd - 500, stepMs: 1000,
    });
    expect(series).toHaveLength(1);
    const values = series[0]!.points.map((p) => p.value);
    expect(values.length).toBeGreaterThanOrEqual(3);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean).toBeGreaterThan(RATE * 0.75);
    expect(mean).toBeLessThan(RATE * 1.25);
    const byRoute = await queryRange({ url: promUrl, query: 'sum by (route) (increase(shadowtwin_proxy_request_duration_seconds_count[30s]))', startMs: loadEnd + 1000, endMs: loadEnd + 1000, stepMs: 1000 });
    expect(byRoute.map((s) => s.labels.route)).toEqual(['/users/:id']);
  });

  it('reports bad queries and unreachable servers with clear errors', async () => {
    await expect(queryRange({ url: promUrl, query: 'sum(rate(', startMs: loadStart, endMs: loadEnd, stepMs: 1000 })).rejects.toMatchObject({ code: 'ST_ERR_INPUT_FORMAT', message: expect.stringMatching(/Prometheus rejected the query/) });
    await expect(queryRange({ url: 'http://127.0.0.1:1', query: 'up', startMs: loadStart, endMs: loadEnd, stepMs: 1000 })).rejects.toMatchObject({ code: 'ST_ERR_SOURCE_UNREACHABLE', exitCode: 3, message: expect.stringMatching(/ECONNREFUSED/) });
  });
});
