import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { useCleanup } from '../helpers/servers.js';

/** |observed − n·p| must stay within 4.5 standard deviations (false-failure odds ~7e-6). */
function expectBinomial(observed: number, n: number, p: number): void {
  const sd = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(observed - n * p)).toBeLessThanOrEqual(4.5 * sd);
}

describe('fault filter (drills)', () => {
  const { cleanup, server, sidecar } = useCleanup();

  it('aborts and delays matching requests at the configured percentages (binomial bound)', async () => {
    let reached = 0;
    const up = await server((_req, res) => { reached++; res.end('ok'); });
    const sc = await sidecar({
      primary: [up.url],
      faults: {
        enabled: true,
        rules: [
          { name: 'checkout-abort', match: { routes: ['/checkout/:id'], methods: ['POST'] }, abort: { percent: 30, status: 503 } },
          { name: 'search-delay', match: { routes: ['/search*'] }, delay: { percent: 20, fixed: '40ms', jitter: '10ms' } },
        ],
      },
    });
    const dispatcher = new Agent({ connections: 16 });
    cleanup.push(() => dispatcher.close());
    const N = 1500;
    const statuses: number[] = [];
    await Promise.all(Array.from({ length: 16 }, async (_, w) => {
      for (let i = w; i < N; i += 16) {
        const res = await request(`${sc.addresses.proxy}/checkout/${i}`, { method: 'POST', body: 'x', dispatcher });
        await res.body.dump();
        statuses.push(res.statusCode);
      }
    }));
    const aborted = statuses.filter((s) => s === 503).length;
    expectBinomial(aborted, N, 0.3);
    expect(reached).toBe(N - aborted);
    // GET on the same route does not match the POST-only rule.
    expect((await request(`${sc.addresses.proxy}/checkout/1`, { dispatcher })).statusCode).toBe(200);

    const M = 300;
    const slow: number[] = [];
    const searchRecords: Array<{ fault?: string; durationMs: number }> = [];
    sc.capture.on('record', (r: { path: string; fault?: string; durationMs: number }) => { if (r.path === '/search') searchRecords.push(r); });
    await Promise.all(Array.from({ length: 16 }, async (_, w) => {
      for (let i = w; i < M; i += 16) {
        const t0 = performance.now();
        await (await request(`${sc.addresses.proxy}/search?q=${i}`, { dispatcher })).body.dump();
        slow.push(performance.now() - t0);
      }
    }));
    // Counted by what the filter did, not by wall time (a busy machine makes undelayed requests slow too).
    const delayedRecords = searchRecords.filter((r) => r.fault === 'delay');
    expect(searchRecords).toHaveLength(M);
    expectBinomial(delayedRecords.length, M, 0.2);
    // Each delayed request really waited its fixed delay (40 ms) before being forwarded.
    expect(delayedRecords.every((r) => r.durationMs >= 39)).toBe(true);
    expect(slow.filter((ms) => ms >= 39).length).toBeGreaterThanOrEqual(delayedRecords.length);
    const metrics = await (await request(`${sc.addresses.admin}/metrics`)).body.text();
    expect(metrics).toContain(`shadowtwin_fault_injected_total{kind="abort"} ${aborted}`);
  });

  it('honours x-shadowtwin-fault-* headers only when header control is on, and never forwards them', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const up = await server((req, res) => { seen.push(req.headers); res.end('ok'); });
    const off = await sidecar({ primary: [up.url] });
    const on = await sidecar({ primary: [up.url], faults: { enabled: true, headerControl: true } });
    const h = { 'x-shadowtwin-fault-abort-request': '418' };
    expect((await request(`${off.addresses.proxy}/a`, { headers: h })).statusCode).toBe(200);
    const res = await request(`${on.addresses.proxy}/a`, { headers: h });
    expect(res.statusCode).toBe(418);
    expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('ST_ERR_PROXY_FAULT_ABORT');
    const t0 = performance.now();
    await (await request(`${on.addresses.proxy}/b`, { headers: { 'x-shadowtwin-fault-delay-request': '150' } })).body.dump();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
    expect(seen.every((hdrs) => Object.keys(hdrs).every((k) => !k.startsWith('x-shadowtwin-fault-')))).toBe(true);
  });

  it('limits response bandwidth', async () => {
    const body = Buffer.alloc(64 * 1024, 'a');
    const up = await server((_req, res) => res.end(body));
    const sc = await sidecar({ primary: [up.url], faults: { enabled: true, rules: [{ match: { routes: ['/big'] }, responseRateLimit: { percent: 100, kbps: 128 } }] } });
    const t0 = performance.now();
    const res = await request(`${sc.addresses.proxy}/big`);
    expect((await res.body.arrayBuffer()).byteLength).toBe(body.length);
    // 64 KiB at 128 KiB/s ≈ 500 ms (the first chunk goes out before the first pause).
    expect(performance.now() - t0).toBeGreaterThan(250);
  });

  it('caps concurrently active delay faults (maxActiveFaults)', async () => {
    const up = await server((_req, res) => res.end('ok'));
    const sc = await sidecar({ primary: [up.url], faults: { enabled: true, maxActiveFaults: 2, rules: [{ match: {}, delay: { percent: 100, fixed: '300ms' } }] } });
    const records: Array<{ fault?: string; durationMs: number }> = [];
    sc.capture.on('record', (r: { fault?: string; durationMs: number }) => records.push(r));
    await Promise.all(Array.from({ length: 6 }, async () => {
      await (await request(`${sc.addresses.proxy}/x`)).body.dump();
    }));
    // Which requests were held is what the filter recorded (wall time on a busy machine cannot tell).
    const held = records.filter((r) => r.fault === 'delay');
    expect(held).toHaveLength(2);
    expect(held.every((r) => r.durationMs >= 290)).toBe(true);
    expect(records.filter((r) => r.fault === undefined)).toHaveLength(4);
    expect(await (await request(`${sc.addresses.admin}/metrics`)).body.text()).toContain('shadowtwin_fault_skipped_total 4');
  });
});
