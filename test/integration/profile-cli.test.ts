import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario, prepareRun } from '../../src/generator/index.js';
import { QuantileTable } from '../../src/profiler/index.js';
import { assertBuilt, CLI, runCli } from '../helpers/cli.js';
import { childDone } from '../helpers/child-done.js';
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
    const at: number[] = [];
    const agents: string[] = [];
    const s: TestServer = await startServer((req, res) => { seen.push(`${req.method} ${req.url}`); at.push(performance.now()); agents.push(String(req.headers['user-agent'])); req.resume(); req.on('end', () => res.end('ok')); });
    cleanup.push(() => s.close());
    // Sessions one at a time, so the server can tell them apart without an id: one starts every 500 ms (rate 2,
    // not Poisson), and think times are compressed so the longest session (30 steps of the longest think time)
    // lasts under 100 ms. Request k then belongs to session round((t_k − t_0) / 500 ms): a stall of up to ~150 ms
    // on a busy machine still lands every request in its own session's slot.
    const m = JSON.parse(readFileSync(model, 'utf8')) as { sessions: { thinkTimeMs: string } };
    const speed = Math.ceil((new QuantileTable(m.sessions.thinkTimeMs).sample(1) * 30) / 100);
    const run = await (await prepareRun(parseScenario({ target: s.url, duration: '6s', seed: 3, load: { executor: 'sessions', rate: 2, poisson: false, speed }, source: { kind: 'model', file: model } }))).execute();
    expect(run.summary.errors).toBe(0);
    const sessions: string[][] = [];
    const sessionAgents: Array<Set<string>> = [];
    for (let k = 0; k < seen.length; k++) {
      const slot = Math.round((at[k]! - at[0]!) / 500);
      (sessions[slot] ??= []).push(seen[k]!);
      (sessionAgents[slot] ??= new Set()).add(agents[k]!);
    }
    // A session is one visitor: every request of it carries the same user agent.
    expect(sessionAgents.filter(Boolean).map((a) => a.size)).toEqual(Array(12).fill(1));
    expect(sessions.filter(Boolean)).toHaveLength(12);
    // What the chain allows, order aside (learned from the fixture's page graph): checkout only after cart/add, and
    // it ends the session; cart/add only from a product page; a profile only from the home page.
    const n = (xs: string[], re: RegExp): number => xs.filter((x) => re.test(x)).length;
    const broken = sessions.filter(Boolean).filter((xs) => {
      const checkout = n(xs, /^POST \/checkout$/);
      const cart = n(xs, /^POST \/cart\/add$/);
      return checkout > 1 || (checkout === 1 && cart === 0) || (cart > 0 && n(xs, /^GET \/products\/\d+$/) === 0) || (n(xs, /\/profile$/) > 0 && n(xs, /^GET \/$/) === 0);
    });
    expect(broken, `sessions that break the chain: ${JSON.stringify(broken)}`).toEqual([]);
    // The walk did get somewhere: some sessions are longer than one request, and some reach the cart.
    expect(sessions.filter((xs) => xs && xs.length > 1).length).toBeGreaterThan(3);
    expect(seen.some((l) => l === 'POST /cart/add')).toBe(true);

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

describe('profile build on hostile inputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-phostile-'));
  const header = JSON.stringify({ shadowtwin: 'capture', version: 1, started: '2026-01-01T00:00:00Z' });
  const rec = (ts: number, i: number): string => JSON.stringify({ ts, method: 'GET', path: `/items/${i % 7}`, status: 200, resBytes: 100 + i, reqBytes: 0, durationMs: 2 });
  const T0 = Date.UTC(2026, 0, 1);
  const records = (n: number): string[] => Array.from({ length: n }, (_, i) => rec(T0 + i * 1000, i));
  /** Runs the CLI like runCli, with node flags (a heap limit). */
  const runNode = (nodeArgs: string[], args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => new Promise((resolve) => {
    assertBuilt();
    const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    void childDone(child).then((code) => resolve({ code, stdout, stderr }));
  });

  it('a capture with one record at ts 0 builds in 200 MB of heap: the record is skipped as bad_time with its line number', async () => {
    const file = join(dir, 'ts0.ndjson');
    writeFileSync(file, [header, rec(0, 0), ...records(300)].join('\n') + '\n');
    const out = join(dir, 'ts0.json');
    const r = await runNode(['--max-old-space-size=200'], ['profile', 'build', file, '-o', out]);
    expect(r.stderr).not.toMatch(/heap|ST_ERR_INTERNAL/);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/skipped 1 lines \(bad_time: 1\); first: line 2 \(bad_time\)/);
    const m = JSON.parse(readFileSync(out, 'utf8'));
    expect(m.provenance.records).toBe(300);
    expect(m.provenance.window.start).toBe(T0);
    expect(JSON.stringify(m.rate).length).toBeLessThan(2000);
  });

  it('an empty input is an error (exit 2, ST_ERR_INPUT_EMPTY), not a model of 1970', async () => {
    const file = join(dir, 'empty.ndjson');
    writeFileSync(file, '');
    const headerOnly = join(dir, 'header-only.ndjson');
    writeFileSync(headerOnly, header + '\n');
    for (const f of [file, headerOnly]) {
      const r = runCli(['profile', 'build', f, '-o', join(dir, 'empty.json')]);
      expect(await r.exit).toBe(2);
      expect(r.stderr()).toMatch(/ST_ERR_INPUT_EMPTY: nothing to model: .*(empty|header-only)\.ndjson: no records/);
      expect(existsSync(join(dir, 'empty.json'))).toBe(false);
    }
  });

  it('a capture starting with a UTF-8 byte-order mark keeps its header line', async () => {
    const file = join(dir, 'bom.ndjson');
    writeFileSync(file, '\uFEFF' + [header, ...records(50)].join('\n') + '\n');
    const r = runCli(['profile', 'build', file, '-o', join(dir, 'bom.json')]);
    expect(await r.exit).toBe(0);
    expect(r.stderr()).toBe('');
    expect(r.stdout()).toMatch(/^records 50 {2}skipped 0$/m);
  });

  it('an unwritable -o fails at once with ST_ERR_OUTPUT_UNWRITABLE, before reading any input, without a stack trace', async () => {
    const input = join(dir, 'ok.ndjson');
    writeFileSync(input, [header, ...records(20)].join('\n') + '\n');
    for (const [out, why] of [[join(dir, 'no-such-dir', 'm.json'), /ENOENT/], [dir, /EISDIR/], [join(input, 'm.json'), /ENOTDIR/]] as const) {
      // The input does not exist either: the output is checked first.
      const r = runCli(['profile', 'build', join(dir, 'missing.ndjson'), '-o', out]);
      expect(await r.exit).toBe(2);
      expect(r.stderr()).toMatch(/ST_ERR_OUTPUT_UNWRITABLE: -o .*: cannot write it/);
      expect(r.stderr()).toMatch(why);
      expect(r.stderr()).not.toMatch(/\n\s+at /);
    }
    const merge = runCli(['profile', 'build', '--merge', input, '-o', join(dir, 'no-such-dir', 'm.json')]);
    expect(await merge.exit).toBe(2);
    expect(merge.stderr()).toMatch(/ST_ERR_OUTPUT_UNWRITABLE/);
  });

  it('a truncated .gz capture keeps the records before the cut, with a warning naming the file', async () => {
    const all = records(4000);
    const gz = gzipSync([header, ...all].join('\n') + '\n');
    const file = join(dir, 'cut.ndjson.gz');
    writeFileSync(file, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const out = join(dir, 'cut.json');
    const r = runCli(['profile', 'build', file, '-o', out]);
    expect(await r.exit).toBe(0);
    expect(r.stderr()).toMatch(new RegExp(`warning: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: the gzip data ends early \\(unexpected end of file\\) after \\d+ complete lines`));
    expect(r.stderr()).not.toMatch(/ST_ERR_INTERNAL|\n\s+at /);
    const m = JSON.parse(readFileSync(out, 'utf8'));
    expect(m.provenance.records).toBeGreaterThan(1000);
    expect(m.provenance.records).toBeLessThan(4000);
    // Every record read is a whole, real one: the cut-off line is skipped, not half-parsed.
    expect(m.provenance.records + m.provenance.skipped.total).toBeLessThanOrEqual(4000);
    expect(m.provenance.skipped.byReason.invalid_json ?? 0).toBe(0);
  });

  it('profile show reads a version-1 model file', async () => {
    const input = join(dir, 'v1src.ndjson');
    writeFileSync(input, [header, ...records(120)].join('\n') + '\n');
    const v2file = join(dir, 'v2.json');
    expect(await runCli(['profile', 'build', input, '-o', v2file]).exit).toBe(0);
    const v2 = JSON.parse(readFileSync(v2file, 'utf8'));
    expect(v2.version).toBe(2);
    const v1file = join(dir, 'v1.json');
    // What version 1 wrote for the same records: dense per-step and per-second arrays.
    const secs = Array.from({ length: 120 }, () => 1);
    writeFileSync(v1file, JSON.stringify({ ...v2, version: 1, rate: { stepMs: 60_000, start: T0, counts: [60, 60], hourOfDay: v2.rate.hourOfDay, dayOfWeek: v2.rate.dayOfWeek, dispersion: v2.rate.dispersion, seconds: { start: T0 / 1000, counts: secs } } }));
    const a = runCli(['profile', 'show', v1file, '--json']);
    const b = runCli(['profile', 'show', v2file, '--json']);
    expect(await a.exit).toBe(0);
    expect(await b.exit).toBe(0);
    expect(JSON.parse(a.stdout())).toEqual(JSON.parse(b.stdout()));
    expect(JSON.parse(a.stdout()).rate).toMatchObject({ start: T0, series: [60, 60] });
  });
});
