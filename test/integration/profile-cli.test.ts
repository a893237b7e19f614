import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario, prepareRun } from '../../src/generator/index.js';
import { runCli } from '../helpers/cli.js';
import { generateAccessLog } from '../helpers/log-fixture.js';
import { startServer, type TestServer } from '../helpers/servers.js';

describe('profile CLI and synthesis from a model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-pcli-'));
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });
  const fx = generateAccessLog({ sessions: 1500, seed: 3 });
  const log = join(dir, 'access.log');
  writeFileSync(log, fx.lines.join('\n') + '\n');
  const model = join(dir, 'model.json');

  it('build → show --json honours the contract; sample emits NDJSON; diff exits 4 on drift', async () => {
    const build = runCli(['profile', 'build', log, '--format', 'combined', '-o', model, '--step', '1m']);
    expect(await build.exit).toBe(0);
    expect(build.stderr()).toMatch(/skipped \d+ lines \(.*\); first: line \d+/);
    expect(build.stdout()).toContain('/products/:id');

    const show = runCli(['profile', 'show', model, '--json']);
    expect(await show.exit).toBe(0);
    const s = JSON.parse(show.stdout());
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['records', 'skipped', 'window', 'routes', 'sessions', 'rate']));
    expect(s.records).toBe(fx.truth.length);
    expect(s.skipped.total).toBe(fx.malformed.length);
    expect(s.routes.reduce((a: number, r: { weight: number }) => a + r.weight, 0)).toBeCloseTo(1, 9);
    expect(s.routes[0]).toMatchObject({ route: expect.any(String), method: expect.any(String), requests: expect.any(Number), status: expect.any(Object), reqBytes: { p50: expect.any(Number), p90: expect.any(Number), p99: expect.any(Number) }, resBytes: expect.any(Object) });
    expect(s.rate).toMatchObject({ step: 60_000, series: expect.any(Array) });

    const sample = runCli(['profile', 'sample', model, '-n', '25', '--seed', '4']);
    expect(await sample.exit).toBe(0);
    const rows = sample.stdout().trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(25);
    expect(rows[0]).toMatchObject({ ts: expect.any(Number), method: expect.any(String), route: expect.any(String), path: expect.stringMatching(/^\//) });

    const same = runCli(['profile', 'diff', model, model]);
    expect(await same.exit).toBe(0);
    // A second period where checkout doubled its share and the product pages got bigger.
    const drifted = fx.lines.map((l) => l.replace(/"GET \/products\/(\d+) HTTP\/1.1" 200 (\d+)/, (_m, id, b) => `"GET /products/${id} HTTP/1.1" 200 ${Number(b) * 3}`));
    const log2 = join(dir, 'access2.log');
    writeFileSync(log2, drifted.join('\n'));
    const model2 = join(dir, 'model2.json');
    expect(await runCli(['profile', 'build', log2, '--format', 'combined', '-o', model2]).exit).toBe(0);
    const diff = runCli(['profile', 'diff', model, model2, '--json']);
    expect(await diff.exit).toBe(4);
    const d = JSON.parse(diff.stdout());
    expect(d.routes[0]).toMatchObject({ route: '/products/:id' });
    expect(d.routes[0].resBytesKs).toBeGreaterThan(0.5);
  });

  it('a wrong --format fails with exit 2 and names the expected format', async () => {
    const bad = join(dir, 'json.log');
    writeFileSync(bad, Array.from({ length: 250 }, (_, i) => `{"n":${i}}`).join('\n'));
    const r = runCli(['profile', 'build', bad, '--format', 'common', '-o', join(dir, 'x.json')]);
    expect(await r.exit).toBe(2);
    expect(r.stderr()).toMatch(/ST_ERR_INPUT_FORMAT: .* does not look like Common Log Format/);
  });

  it('the generator synthesises from the model: sessions walk the chain, events override the mix', async () => {
    expect(await runCli(['profile', 'build', log, '--format', 'combined', '-o', model]).exit).toBe(0);
    const seen: string[] = [];
    const s: TestServer = await startServer((req, res) => { seen.push(`${req.method} ${req.url}`); req.resume(); req.on('end', () => res.end('ok')); });
    cleanup.push(() => s.close());
    const sessions = await (await prepareRun(parseScenario({ target: s.url, duration: '2s', seed: 3, load: { executor: 'sessions', rate: 40, poisson: false, speed: 200 }, source: { kind: 'model', file: model } }))).execute();
    expect(sessions.summary.requests).toBeGreaterThan(80);
    expect(sessions.summary.errors).toBe(0);
    const routes = new Set(sessions.routes.map((r) => `${r.method} ${r.route}`));
    expect(routes.has('GET /products/:id')).toBe(true);
    expect(seen.some((l) => /^GET \/products\/\d+$/.test(l))).toBe(true);
    expect(seen.some((l) => l.startsWith('POST /cart/add'))).toBe(true);

    seen.length = 0;
    const sale = await (await prepareRun(parseScenario({
      target: s.url, duration: '2s', seed: 3, load: { executor: 'constant-rate', rate: 400 }, source: { kind: 'model', file: model },
      events: [{ name: 'flash-sale', start: '1s', duration: '1s', routes: { '/checkout': 20 } }],
    }))).execute();
    const checkout = (from: number, to: number): number => sale.timeline.slice(from, to).reduce((a, p) => a + p.completed, 0);
    expect(checkout(0, 2)).toBe(800);
    const share = (tl: string[]): number => tl.filter((l) => l.startsWith('POST /checkout')).length / tl.length;
    expect(share(seen.slice(400))).toBeGreaterThan(3 * share(seen.slice(0, 400)));
  });
});
