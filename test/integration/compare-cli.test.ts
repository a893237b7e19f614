import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario, prepareRun } from '../../src/generator/index.js';
import { runCli } from '../helpers/cli.js';
import { startServer, startSidecar, type TestServer } from '../helpers/servers.js';

describe('shadowtwin compare (CLI) on real runs', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });
  async function server(delayMs: number): Promise<TestServer> {
    const s = await startServer((_req, res) => setTimeout(() => res.end('ok'), delayMs));
    cleanup.push(() => s.close());
    return s;
  }

  it('passes two runs against the same service and fails a slower candidate (exit 4)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-cmp-'));
    const fast = await server(2);
    const slow = await server(8);
    const run = async (target: string, seed: number): Promise<string> => {
      const r = await (await prepareRun(parseScenario({ target, duration: '2s', seed, load: { executor: 'constant-rate', rate: 200 }, source: { path: '/users/1' } }))).execute();
      const f = join(dir, `${seed}.json`);
      writeFileSync(f, JSON.stringify(r));
      return f;
    };
    const a = await run(fast.url, 1);
    const b = await run(fast.url, 2);
    const c = await run(slow.url, 3);
    const same = runCli(['compare', a, b, '--json']);
    expect(await same.exit).toBe(0);
    expect(JSON.parse(same.stdout())).toMatchObject({ verdict: 'pass', routes: [expect.objectContaining({ route: '/users/:id', verdict: 'pass' })] });
    const worse = runCli(['compare', a, c, '--json']);
    expect(await worse.exit).toBe(4);
    const out = JSON.parse(worse.stdout());
    expect(out).toMatchObject({ verdict: 'fail', noiseFloor: expect.any(Number), score: 0 });
    expect(out.routes[0]).toMatchObject({ route: '/users/:id', method: 'GET', verdict: 'higher', base: { p50: expect.any(Number), p99: expect.any(Number) }, candidate: { p50: expect.any(Number), p99: expect.any(Number) } });
    expect(out.routes[0].mannWhitney.shiftMs).toBeGreaterThan(4);
  });

  it('compares a live sidecar\'s primary with its mirrored secondary', async () => {
    const primary = await server(1);
    const secondary = await server(10);
    const sc = await startSidecar({ primary: [primary.url], secondary: secondary.url, mirror: { fraction: 1 } });
    cleanup.push(() => sc.stop());
    await Promise.all(Array.from({ length: 4 }, async () => { for (let i = 0; i < 60; i++) await (await request(`${sc.addresses.proxy}/items/${i}`)).body.dump(); }));
    await new Promise((r) => setTimeout(r, 300));
    const r = runCli(['compare', `${sc.addresses.admin}#primary`, `${sc.addresses.admin}#secondary`]);
    expect(await r.exit).toBe(4);
    expect(r.stdout()).toMatch(/verdict FAIL/);
    expect(r.stdout()).toMatch(/\/items\/:id\s+GET\s+higher/);
  });
});
