import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario, prepareRun } from '../../src/generator/index.js';
import { runCli } from '../helpers/cli.js';
import { startServer, startSidecar, type TestServer } from '../helpers/servers.js';
import { waitUntil } from '../helpers/wait.js';

describe('shadowtwin compare (CLI) on real runs', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });
  async function server(delayMs: number): Promise<TestServer> {
    const s = await startServer((_req, res) => setTimeout(() => res.end('ok'), delayMs));
    cleanup.push(() => s.close());
    return s;
  }

  it('passes the two halves of one run against the same service and fails a slower candidate (exit 4)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-cmp-'));
    const fast = await server(2);
    const slow = await server(8);
    // Base and candidate are the two interleaved segments of one schedule (arrivals 0, 2, 4… and 1, 3, 5…), run
    // at the same time: same machine, same moment, so an A/A pair differs only by chance, never by a change
    // in load between two sequential runs.
    const pair = async (baseUrl: string, candUrl: string, name: string): Promise<[string, string]> => {
      const one = async (target: string, index: number): Promise<string> => {
        const r = await (await prepareRun(parseScenario({ target, duration: '2s', seed: 7, load: { executor: 'constant-rate', rate: 400 }, source: { path: '/users/1' } }), { segment: { index, count: 2 } })).execute();
        expect(r.summary.requests).toBe(400);
        const f = join(dir, `${name}-${index}.json`);
        writeFileSync(f, JSON.stringify(r));
        return f;
      };
      return Promise.all([one(baseUrl, 0), one(candUrl, 1)]);
    };
    const [a, b] = await pair(fast.url, fast.url, 'aa');
    const same = runCli(['compare', a, b, '--json']);
    expect(await same.exit).toBe(0);
    const aa = JSON.parse(same.stdout());
    expect(aa).toMatchObject({ verdict: 'pass', routes: [expect.objectContaining({ route: '/users/:id', verdict: 'pass' })] });
    const [c, d] = await pair(fast.url, slow.url, 'ab');
    const worse = runCli(['compare', c, d, '--json']);
    expect(await worse.exit).toBe(4);
    const out = JSON.parse(worse.stdout());
    expect(out).toMatchObject({ verdict: 'fail', score: 0 });
    expect(out.routes[0]).toMatchObject({ route: '/users/:id', method: 'GET', verdict: 'higher' });
    // The servers differ by 6 ms; the measured shift says so, and the A/A shift is well inside the noise floor.
    expect(out.routes[0].mannWhitney.shiftMs).toBeGreaterThan(4);
    expect(out.routes[0].mannWhitney.shiftMs).toBeLessThan(9);
    expect(out.routes[0].candidate.p50 - out.routes[0].base.p50).toBeGreaterThan(4);
    expect(Math.abs(aa.routes[0].mannWhitney.shiftMs)).toBeLessThan(Math.max(1, aa.noiseFloor));
  });

  it('compares a live sidecar\'s primary with its mirrored secondary', async () => {
    const primary = await server(1);
    const secondary = await server(10);
    const sc = await startSidecar({ primary: [primary.url], secondary: secondary.url, mirror: { fraction: 1 } });
    cleanup.push(() => sc.stop());
    await Promise.all(Array.from({ length: 4 }, async () => { for (let i = 0; i < 60; i++) await (await request(`${sc.addresses.proxy}/items/${i}`)).body.dump(); }));
    await waitUntil(() => sc.histograms().secondary.reduce((a, x) => a + x.requests, 0) === 240, 'the secondary answered all 240 copies');
    const r = runCli(['compare', `${sc.addresses.admin}#primary`, `${sc.addresses.admin}#secondary`]);
    expect(await r.exit).toBe(4);
    expect(r.stdout()).toMatch(/verdict FAIL/);
    expect(r.stdout()).toMatch(/\/items\/:id\s+GET\s+higher/);
  });
});
