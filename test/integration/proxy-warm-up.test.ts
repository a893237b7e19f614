import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { readBody, useCleanup } from '../helpers/servers.js';
import { metricSum, waitUntil } from '../helpers/wait.js';

describe('sidecar warm-up', () => {
  const { server, sidecar } = useCleanup();

  it('warms its own path before the data port opens: nothing reaches the real primary, secondary, capture file or metrics', async () => {
    const primarySeen: string[] = [];
    const secondarySeen: string[] = [];
    const primary = await server(async (req, res) => { await readBody(req); primarySeen.push(`${req.method} ${req.url}`); res.end('primary'); });
    const secondary = await server(async (req, res) => { await readBody(req); secondarySeen.push(`${req.method} ${req.url}`); res.end(); });
    const file = join(mkdtempSync(join(tmpdir(), 'st-warm-')), 'capture.ndjson');
    const t0 = performance.now();
    const sc = await sidecar({
      primary: [primary.url], secondary: secondary.url, mirror: { fraction: 1, methods: ['GET', 'POST'] },
      capture: { file, flushInterval: '20ms' }, faults: { enabled: true, rules: [{ name: 'all', abort: { percent: 100, status: 503 } }] },
      server: { warmUp: true },
    });
    const startMs = performance.now() - t0;
    // The warm-up ran (it takes a measurable moment) and touched neither real upstream.
    expect(startMs).toBeGreaterThan(50);
    expect(primarySeen).toEqual([]);
    expect(secondarySeen).toEqual([]);
    // The real sidecar's faults are on (the warm-up's were off: it completed its requests against its own upstream).
    const res = await request(`${sc.addresses.proxy}/users/1`);
    expect(res.statusCode).toBe(503);
    await res.body.dump();
    let metrics = '';
    await waitUntil(async () => { metrics = await (await request(`${sc.addresses.admin}/metrics`)).body.text(); return metricSum(metrics, 'shadowtwin_proxy_request_duration_seconds_count') >= 1; }, 'the real request was counted');
    const counted = [...metrics.matchAll(/^shadowtwin_proxy_request_duration_seconds_count\{[^}]*\} (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
    expect(counted).toBe(1);
    expect(metrics).not.toMatch(/warm-up/);
    await sc.stop();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.includes('warm-up'))).toEqual([]);
    expect(lines.length).toBe(2); // the header and the one real request
  });
});
