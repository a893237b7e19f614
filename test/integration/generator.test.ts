import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHistogram, decodeHistogram, recordMs, seededRandom } from '../../src/common/index.js';
import { LoadRun, mergeReports, parseScenario, prepareRun, type ScenarioInput } from '../../src/generator/index.js';
import { runCli } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/servers.js';

describe('generator against real servers', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function server(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
    const s = await startServer(handler);
    cleanup.push(() => s.close());
    return s;
  }
  const scenario = (target: string, extra: Partial<ScenarioInput> = {}): ReturnType<typeof parseScenario> =>
    parseScenario({ target, duration: '2s', load: { executor: 'constant-rate', rate: 300 }, source: { path: '/users/1' }, ...extra });

  it('sends exactly the scheduled number of requests, counted at the server', async () => {
    let count = 0;
    const s = await server((_req, res) => { count++; res.end('ok'); });
    const report = await (await prepareRun(scenario(s.url))).execute();
    expect(count).toBe(600);
    expect(report.summary).toMatchObject({ requests: 600, intended: 600, errors: 0, dropped: 0 });
    expect(report.summary.achievedRate).toBeCloseTo(300, 0);
    expect(report.routes).toEqual([expect.objectContaining({ route: '/users/:id', method: 'GET', requests: 600 })]);
    expect(report.timeline.reduce((a, p) => a + p.completed, 0)).toBe(600);
  });

  it('measures from the intended send time: a stall shows in the percentiles (no coordinated omission)', async () => {
    // 100 req/s for 4 s over 2 connections; the server holds every request that
    // arrives in one 1,000 ms window. Arrivals queue behind the two held
    // connections, so a generator measuring from the actual send sees two slow
    // samples; measured from the intended send, each of the ~100 arrivals in the
    // stall waits out the rest of it: ~20 samples over 800 ms, p99 (the 5th
    // largest of 400) ≈ 960 ms. The expected values are rebuilt from what the
    // server saw (arrival order, completion times, the schedule's start), so a
    // starved timer or a slow drain on a busy machine moves both sides alike.
    const R = 100, S = 1000, N = 400;
    let stallStart = 0;
    const arrivals: number[] = [];
    const completions: number[] = [];
    const s = await server((_req, res) => {
      const now = performance.now();
      const k = arrivals.push(now) - 1;
      if (stallStart === 0 && now - arrivals[0]! > 1200) stallStart = now;
      const hold = stallStart > 0 && now < stallStart + S ? stallStart + S - now : 1;
      setTimeout(() => { completions[k] = performance.now(); res.end('ok'); }, hold);
    });
    const report = await (await prepareRun(scenario(s.url, { duration: '4s', load: { executor: 'constant-rate', rate: R }, http: { connections: 2 } }))).execute();
    expect(report.summary).toMatchObject({ requests: N, dropped: 0, errors: 0 });
    expect(arrivals.length).toBe(N);

    // The k-th arrival was intended at t0 + k/R; no request arrives before its
    // intended time, so the least late one pins t0.
    const t0 = Math.min(...arrivals.map((a, k) => a - (k * 1000) / R));
    const intendedTimed = createHistogram();
    const sendTimed = createHistogram();
    arrivals.forEach((a, k) => {
      recordMs(intendedTimed, completions[k]! - (t0 + (k * 1000) / R));
      recordMs(sendTimed, completions[k]! - a);
    });
    const expectedOver = countAbove(intendedTimed, 800);
    const expectedP99 = intendedTimed.getValueAtPercentile(99) / 1000;
    // The analytic values without queueing, as a sanity check of the rebuild.
    expect(expectedP99).toBeGreaterThan(S - 4000 / R - 5);
    expect(expectedOver).toBeGreaterThanOrEqual(R * (S - 800) / 1000 - 2);

    // What tells an honest generator from one that measures from the send. The
    // same check over the from-send samples must fail on both counts: that is
    // the switch proving the check catches the bug.
    const check = (h: ReturnType<typeof createHistogram>): string[] => {
      const problems: string[] = [];
      const over = countAbove(h, 800);
      if (Math.abs(over - expectedOver) > 3) problems.push(`samples over 800 ms: ${over}, expected ${expectedOver} ± 3`);
      const p99 = h.getValueAtPercentile(99) / 1000;
      if (Math.abs(p99 - expectedP99) > expectedP99 * 0.1) problems.push(`p99 ${p99.toFixed(0)} ms, expected ${expectedP99.toFixed(0)} ± 10%`);
      return problems;
    };
    expect(check(decodeHistogram(report.histograms.total))).toEqual([]);
    expect(check(sendTimed).length).toBe(2);
  });

  it('raw HTTP/1.1 and undici report the same: statuses, bytes both ways, bodies delivered', async () => {
    const bodies: string[] = [];
    const s = await server((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        bodies.push(`${req.method} ${req.headers['x-run']} ${body}`);
        res.statusCode = req.url === '/missing' ? 404 : 201;
        if (req.url === '/chunked') { res.write('a'.repeat(3000)); res.end('b'); } else res.end('created');
      });
    });
    const reports = [];
    for (const raw of [true, false]) {
      let t = 0;
      const run = new LoadRun({
        target: s.url, durationMs: 500, rawHttp1: raw, random: seededRandom(1), warmUp: false, headers: { 'x-run': String(raw) },
        arrivals: { next: () => (t < 500 ? (t += 10) - 10 : undefined) },
        source: { kind: 'test', next: (i) => [
          { method: 'POST', path: '/items', route: '/items', headers: { 'content-type': 'text/plain' }, body: Buffer.from(`item-${i}`) },
          { method: 'GET', path: '/missing', route: '/missing', headers: {}, body: null },
          { method: 'GET', path: '/chunked', route: '/chunked', headers: {}, body: null },
        ][i % 3]! },
        http: { connections: 8, pipelining: 1, timeoutMs: 5000, maxInFlight: 1000 },
      });
      const rec = await run.run();
      reports.push({ completed: rec.completed, errors: rec.errors, outcomes: rec.outcomes, bytesSent: rec.bytesSent, bytesReceived: rec.bytesReceived });
    }
    expect(reports[0]).toEqual(reports[1]);
    expect(reports[0]).toMatchObject({ completed: 50, errors: 0, outcomes: { '2xx': 33, '4xx': 17 } });
    expect(bodies.filter((b) => b.startsWith('POST true item-')).length).toBe(17);
    expect(bodies.filter((b) => b.startsWith('POST false item-')).length).toBe(17);
  });

  it('a target that is down or never answers: every arrival is reported as refused or timed out, none lost', async () => {
    const down = await startServer(() => undefined);
    await down.close();
    const refused = await (await prepareRun(scenario(down.url, { duration: '1s', load: { executor: 'constant-rate', rate: 100 } }))).execute();
    expect(refused.summary).toMatchObject({ intended: 100, requests: 100, errors: 100, dropped: 0 });
    expect(refused.summary.outcomes).toEqual({ refused: 100 });
    const hang = await server(() => undefined);
    const timedOut = await (await prepareRun(scenario(hang.url, { duration: '1s', load: { executor: 'constant-rate', rate: 50 }, http: { timeout: '300ms', connections: 4 } }))).execute();
    expect(timedOut.summary).toMatchObject({ intended: 50, requests: 50, errors: 50, dropped: 0 });
    expect(timedOut.summary.outcomes).toEqual({ timeout: 50 });
    // Closed loops time out too, and the run ends.
    const closed = await (await prepareRun(scenario(hang.url, { duration: '500ms', load: { executor: 'concurrency', vus: 2 }, http: { timeout: '200ms' } }))).execute();
    expect(closed.summary.errors).toBe(closed.summary.requests);
    expect(closed.summary.requests).toBeGreaterThanOrEqual(4);
    expect(closed.summary.outcomes).toEqual({ timeout: closed.summary.requests });
  });

  it('drops and counts arrivals beyond maxInFlight instead of delaying them', async () => {
    const s = await server((_req, res) => setTimeout(() => res.end('ok'), 300));
    const r = await (await prepareRun(scenario(s.url, { duration: '1s', load: { executor: 'constant-rate', rate: 200 }, http: { maxInFlight: 10 } }))).execute();
    expect(r.summary.intended).toBe(200);
    expect(r.summary.dropped).toBeGreaterThan(100);
    expect(r.summary.requests + r.summary.dropped).toBe(200);
  });

  it('segments run disjoint shares of the schedule and merge exactly', async () => {
    let count = 0;
    const s = await server((_req, res) => { count++; setTimeout(() => res.end('ok'), 1); });
    const sc = scenario(s.url, { duration: '1s', load: { executor: 'poisson', rate: 300 }, seed: 9 });
    const full = await (await prepareRun(sc)).execute();
    const parts = [];
    for (let i = 0; i < 3; i++) parts.push(await (await prepareRun(sc, { segment: { index: i, count: 3 } })).execute());
    expect(parts.reduce((a, p) => a + p.summary.intended, 0)).toBe(full.summary.intended);
    const merged = mergeReports(parts);
    expect(merged.summary.requests).toBe(full.summary.intended);
    expect(merged.meta.segments).toBe(3);
    expect(count).toBe(2 * full.summary.intended);
  });

  it('injects request faults and reports how the target answered each kind', async () => {
    let served = 0;
    const connections = new Set<unknown>();
    const s = await server((req, res) => { served++; connections.add(req.socket); setTimeout(() => res.end('ok'), req.url === '/slow' ? 300 : 1); });
    const r1 = await (await prepareRun(scenario(s.url, { duration: '1s', load: { executor: 'constant-rate', rate: 50 }, source: { path: '/slow' }, faults: [{ kind: 'timeout', percent: 100, ms: 50 }] }))).execute();
    expect(r1.faults.timeout).toEqual({ injected: 50, outcomes: { timeout: 50 } });
    expect(r1.summary.latencyMs.p50).toBeLessThan(150);
    served = 0;
    const r2 = await (await prepareRun(scenario(s.url, { duration: '1s', load: { executor: 'constant-rate', rate: 50 }, faults: [{ kind: 'duplicate', percent: 100, copies: 3 }] }))).execute();
    expect(served).toBe(150);
    expect(r2.faults.duplicate!.injected).toBe(50);
    expect(r2.faults.duplicate!.outcomes['2xx']).toBe(150);
    connections.clear();
    await (await prepareRun(scenario(s.url, { duration: '1s', load: { executor: 'constant-rate', rate: 40 }, faults: [{ kind: 'churn', percent: 100 }] }))).execute();
    expect(connections.size).toBeGreaterThanOrEqual(35); // a new connection (almost) every request
    const r4 = await (await prepareRun(scenario(s.url, { duration: '1s', load: { executor: 'constant-rate', rate: 20 }, faults: [{ kind: 'oversized-header', percent: 100, bytes: 40_000 }] }))).execute();
    expect(r4.faults['oversized-header']!.outcomes['4xx']).toBe(20); // Node answers 431
  });

  it('closed model (concurrency): every request counted at the server, over one keep-alive connection per loop', async () => {
    let count = 0;
    const sockets = new Set<unknown>();
    const s = await server((req, res) => {
      count++;
      sockets.add(req.socket);
      // Alternate chunked and sized bodies: the raw client must frame both.
      if (count % 2) { res.write('x'.repeat(100)); res.end('y'); } else res.end('ok');
    });
    const r = await (await prepareRun(scenario(s.url, { duration: '1s', load: { executor: 'concurrency', vus: 4 } }))).execute();
    expect(r.summary.requests).toBe(count);
    expect(r.summary.errors).toBe(0);
    expect(r.summary.requests).toBeGreaterThan(200);
    expect(sockets.size).toBe(4);
    expect(r.summary.bytesReceived).toBeGreaterThan(count * 2);
  });

  it('applies a multiplier changed while running within a second', async () => {
    const arrivals: number[] = [];
    const s = await server((_req, res) => { arrivals.push(Date.now()); res.end('ok'); });
    const prepared = await prepareRun(scenario(s.url, { duration: '3s', load: { executor: 'constant-rate', rate: 100 } }));
    // On the run's clock (it starts after the HTTP client's warm-up).
    let started = 0;
    const poll = setInterval(() => {
      if (prepared.run.elapsedMs >= 1000 && prepared.run.multiplier === 1) {
        prepared.run.multiplier = 3;
        started = Date.now() - prepared.run.elapsedMs;
      }
    }, 5);
    await prepared.execute();
    clearInterval(poll);
    const lastSecond = arrivals.filter((t) => t - started >= 2000).length;
    expect(lastSecond).toBeGreaterThan(270);
    expect(lastSecond).toBeLessThan(330);
  });

  it('CLI: thresholds decide the exit code; bad scenarios list every problem; the primary is refused', async () => {
    const s = await server((_req, res) => setTimeout(() => res.end('ok'), 20));
    const dir = mkdtempSync(join(tmpdir(), 'st-gen-'));
    const out = join(dir, 'r.json');
    const failing = runCli(['generate', '--target', s.url, '--path', '/x', '--rate', '50', '--duration', '1s', '--threshold', 'p50 < 1ms', '--out', out, '--quiet']);
    expect(await failing.exit).toBe(4);
    expect(failing.stderr()).toContain('ST_ERR_THRESHOLDS_FAILED');
    const passing = runCli(['generate', '--target', s.url, '--path', '/x', '--rate', '50', '--duration', '1s', '--threshold', 'p99 < 2s', '--quiet']);
    expect(await passing.exit).toBe(0);
    expect(passing.stdout()).toMatch(/requests 50 /);

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'target: nope\nduration: forever\nload:\n  executor: constant-rat\nthresholds: ["p99 fast"]\nfaults: [{ kind: melt, percent: 200 }]\n');
    const invalid = runCli(['generate', '--scenario', bad]);
    expect(await invalid.exit).toBe(2);
    for (const path of ['target', 'duration', 'load.executor', 'faults[0].kind', 'faults[0].percent', 'thresholds[0]']) expect(invalid.stderr()).toContain(`- ${path}:`);

    const primary = runCli(['generate', '--target', s.url, '--path', '/x', '--rate', '5', '--duration', '1s'], { SHADOWTWIN_PRIMARY: s.url });
    expect(await primary.exit).toBe(2);
    expect(primary.stderr()).toContain('ST_ERR_SAFETY_TARGET_IS_PRIMARY');
    const capped = runCli(['generate', '--target', s.url, '--path', '/x', '--rate', '50000', '--duration', '1s']);
    expect(await capped.exit).toBe(2);
    expect(capped.stderr()).toContain('ST_ERR_GENERATOR_RATE_CAP');
  });
});

/** Samples strictly above `ms` in a µs histogram: the complement of the largest rank whose value is ≤ ms. */
function countAbove(h: ReturnType<typeof createHistogram>, ms: number): number {
  const n = h.totalCount;
  let lo = 0, hi = n; // invariant: the k-th smallest is ≤ ms for k ≤ lo, > ms for k > hi
  while (lo < hi) {
    const k = Math.ceil((lo + hi) / 2);
    if (h.getValueAtPercentile((100 * k) / n) / 1000 <= ms) lo = k; else hi = k - 1;
  }
  return n - lo;
}
