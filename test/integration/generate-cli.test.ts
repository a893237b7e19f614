import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario, prepareRun } from '../../src/generator/index.js';
import { runCli, waitForText } from '../helpers/cli.js';
import { deadUrl, useCleanup } from '../helpers/servers.js';
import { writeSmallAccessLog, SMALL_LOG_PATH } from '../helpers/small-model.js';

describe('generate (CLI): target URL, sources, outputs, exit codes, interruption', () => {
  const { server } = useCleanup();
  const dir = mkdtempSync(join(tmpdir(), 'st-gencli-'));
  /** A server that records the path and query of every request it receives. */
  async function recording(): Promise<{ url: string; seen: string[] }> {
    const seen: string[] = [];
    const s = await server((req, res) => { seen.push(req.url!); req.resume(); res.end('ok'); });
    return { url: s.url, seen };
  }

  it('--target takes the request path and query from the URL', async () => {
    const a = await recording();
    const withPath = runCli(['generate', '--target', `${a.url}/api/items?page=2&q=x`, '--rate', '20', '--duration', '500ms', '--quiet']);
    expect(await withPath.exit).toBe(0);
    expect(a.seen).toHaveLength(10);
    expect(new Set(a.seen)).toEqual(new Set(['/api/items?page=2&q=x']));
  });

  it('--target without a path sends /; --path overrides the URL\'s path', async () => {
    const b = await recording();
    const bare = runCli(['generate', '--target', b.url, '--rate', '20', '--duration', '500ms', '--quiet']);
    expect(await bare.exit).toBe(0);
    expect(new Set(b.seen)).toEqual(new Set(['/']));

    const c = await recording();
    const override = runCli(['generate', '--target', `${c.url}/api/items?page=2`, '--path', '/users/7?full=1', '--rate', '20', '--duration', '500ms', '--quiet']);
    expect(await override.exit).toBe(0);
    expect(new Set(c.seen)).toEqual(new Set(['/users/7?full=1']));
  });

  it('over a scenario file: the --target URL\'s path replaces the file\'s fixed path, and is refused when the file replays a capture', async () => {
    const s = await recording();
    const fixed = join(dir, 'fixed.yaml');
    writeFileSync(fixed, `target: ${s.url}\nduration: 500ms\nload: { executor: poisson, rate: 2 }\nsource: { path: /from-file }\n`);
    const out = join(dir, 'over-scenario.json');
    expect(await runCli(['generate', '--scenario', fixed, '--target', `${s.url}/from-url?a=1`, '--rate', '40', '--quiet', '--out', out]).exit).toBe(0);
    expect(new Set(s.seen)).toEqual(new Set(['/from-url?a=1']));
    // --rate changes the file's rate, not its executor.
    const r = JSON.parse(readFileSync(out, 'utf8'));
    expect(r.meta.executor).toBe('poisson');
    expect(r.summary.intended).toBeGreaterThan(5);
    const sent = s.seen.length;
    const capture = join(dir, 'one.ndjson');
    writeFileSync(capture, JSON.stringify({ ts: 1, durationMs: 1, method: 'GET', path: '/c', route: '/c', queryKeys: [], status: 200, reqBytes: 0, resBytes: 1, protocol: 'http1' }) + '\n');
    const replay = join(dir, 'replay.yaml');
    writeFileSync(replay, `target: ${s.url}\nload: { executor: replay }\nsource: { kind: replay, file: ${capture} }\n`);
    const refused = runCli(['generate', '--scenario', replay, '--target', `${s.url}/x`]);
    expect(await refused.exit).toBe(2);
    expect(refused.stderr()).toContain(`--target ${s.url}/x has a path, but the scenario's source (replay) sends its own paths`);
    expect(s.seen).toHaveLength(sent);
  });

  it('--model synthesises requests from a model built by the real profile build', async () => {
    const log = join(dir, 'small.log');
    writeSmallAccessLog(log);
    const model = join(dir, 'model.json');
    expect(await runCli(['profile', 'build', log, '--format', 'combined', '-o', model]).exit).toBe(0);
    const s = await recording();
    const r = runCli(['generate', '--target', s.url, '--model', model, '--rate', '100', '--duration', '1s', '--quiet']);
    expect(await r.exit).toBe(0);
    expect(s.seen).toHaveLength(100);
    for (const p of s.seen) expect(p).toMatch(SMALL_LOG_PATH);
    // All three of the model's routes are used, not one fixed path.
    const families = new Set(s.seen.map((p) => p.replace(/\d+/g, 'N')));
    expect(families).toEqual(new Set(['/inventory?page=N', '/orders/N', '/orders/N/items']));
    // A path in the URL contradicts the model's paths: refused, nothing sent.
    const both = runCli(['generate', '--target', `${s.url}/x`, '--model', model, '--rate', '10', '--duration', '1s']);
    expect(await both.exit).toBe(2);
    expect(both.stderr()).toContain(`--target ${s.url}/x has a path, but --model sends its own paths: give the target as ${s.url}`);
    expect(s.seen).toHaveLength(100);
  });

  it('names the flag the user typed: missing --rate/--duration, bad numbers, all problems at once', async () => {
    const s = await recording();
    const missing = runCli(['generate', '--target', s.url, '--path', '/x']);
    expect(await missing.exit).toBe(2);
    expect(missing.stderr()).toContain('--rate is required');
    expect(missing.stderr()).toContain('--duration is required');
    expect(missing.stderr()).not.toMatch(/\bload: is required|expected object/);
    const bad = runCli(['generate', '--target', s.url, '--rate', '2k', '--duration', 'forever', '--vus', '0', '--path', 'users']);
    expect(await bad.exit).toBe(2);
    for (const text of ['--rate must be a number above 0, got "2k"', '--duration must be a duration', 'got "forever"', '--vus must be a whole number above 0, got "0"', '--path must start with /, got "users"']) {
      expect(bad.stderr()).toContain(text);
    }
    expect(s.seen).toHaveLength(0);
  });

  it('an unwritable --out or --html is refused before any request is sent', async () => {
    const s = await recording();
    const outDir = join(dir, 'a-directory');
    mkdirSync(outDir);
    for (const args of [['--out', join(dir, 'no-such-dir', 'r.json')], ['--html', outDir], ['--out', join(dir, 'same'), '--html', join(dir, 'same')]]) {
      const r = runCli(['generate', '--target', s.url, '--path', '/x', '--rate', '50', '--duration', '2s', '--quiet', ...args]);
      expect(await r.exit).toBe(2);
      expect(r.stderr()).toContain('ST_ERR_OUTPUT_UNWRITABLE');
      expect(r.stderr()).toContain(`${args[args.length - 2]} `); // names the flag at fault
    }
    expect(s.seen).toHaveLength(0);
    expect(existsSync(join(dir, 'same'))).toBe(false);
  });

  it('a refused target exits 3 (ST_ERR_TARGET_UNREACHABLE) and still writes the report', async () => {
    const down = await deadUrl();
    const out = join(dir, 'refused.json');
    const r = runCli(['generate', '--target', down, '--path', '/x', '--rate', '20', '--duration', '500ms', '--quiet', '--out', out]);
    expect(await r.exit).toBe(3);
    expect(r.stderr()).toContain('ST_ERR_TARGET_UNREACHABLE');
    expect(r.stderr()).toMatch(/none of the 10 requests .* got an HTTP answer \(refused 10\)/);
    expect(JSON.parse(readFileSync(out, 'utf8')).summary.outcomes).toEqual({ refused: 10 });
    // A target that answers, even with errors, is a measurement: thresholds decide (here none: exit 0).
    const failing = await server((_req, res) => { res.statusCode = 503; res.end(); });
    const e5 = runCli(['generate', '--target', failing.url, '--path', '/x', '--rate', '20', '--duration', '500ms', '--quiet']);
    expect(await e5.exit).toBe(0);
  });

  it('--replay without --duration lasts as long as the capture ÷ --speed', async () => {
    const s = await recording();
    const file = join(dir, 'c.ndjson');
    const rec = (ts: number, path: string): string => JSON.stringify({ ts, durationMs: 1, method: 'GET', path, route: path, queryKeys: [], status: 200, reqBytes: 0, resBytes: 1, protocol: 'http1' });
    // 3 s of capture, the last request at its very end.
    writeFileSync(file, [rec(10_000, '/a'), rec(11_000, '/b'), rec(12_500, '/c'), rec(13_000, '/d')].join('\n') + '\n');
    const out = join(dir, 'replay.json');
    const r = runCli(['generate', '--target', s.url, '--replay', file, '--speed', '2', '--quiet', '--out', out]);
    expect(await r.exit).toBe(0);
    expect(s.seen).toEqual(['/a', '/b', '/c', '/d']);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.meta.durationMs).toBe(1501);
    expect(report.meta.interrupted).toBeUndefined();
    // With loop there is no natural end: the duration is required, by its flag.
    const loop = join(dir, 'loop.yaml');
    writeFileSync(loop, `target: ${s.url}\nload: { executor: replay, loop: true }\nsource: { kind: replay, file: ${file} }\n`);
    const looped = runCli(['generate', '--scenario', loop]);
    expect(await looped.exit).toBe(2);
    expect(looped.stderr()).toContain('- duration: is required');
  });

  it('Ctrl-C stops the run and writes the partial report marked interrupted; a second Ctrl-C exits 130', async () => {
    const s = await recording();
    const out = join(dir, 'interrupted.json');
    const r = runCli(['generate', '--target', s.url, '--path', '/x', '--rate', '50', '--duration', '60s', '--out', out]);
    await waitForText(r.stderr, /\{"progress":\{"elapsedMs":\d+/, 15_000);
    r.child.kill('SIGINT');
    expect(await r.exit).toBe(0);
    expect(r.stderr()).toMatch(/interrupted after \d+\.\d s of 60\.0 s/);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.meta.interrupted).toBe(true);
    expect(report.meta.durationMs).toBeLessThan(60_000);
    expect(report.summary.requests).toBe(s.seen.length);
    expect(report.summary.requests).toBeGreaterThan(0);

    // A target that never answers keeps requests in flight: the first Ctrl-C waits for them, the second exits 130.
    const hang = await server(() => undefined);
    const h = runCli(['generate', '--target', hang.url, '--path', '/x', '--rate', '50', '--duration', '60s', '--out', join(dir, 'hang.json')]);
    await waitForText(h.stderr, /\{"progress":\{"elapsedMs":\d+/, 15_000);
    h.child.kill('SIGINT');
    await waitForText(h.stderr, /stopping: waiting for in-flight requests/);
    h.child.kill('SIGINT');
    expect(await h.exit).toBe(130);
  });

  it('a run stopped during its warm-up ends (no hang) and is marked interrupted, with nothing sent', async () => {
    const s = await recording();
    const prepared = await prepareRun(parseScenario({ target: s.url, duration: '30s', load: { executor: 'constant-rate', rate: 50 }, source: { path: '/x' } }));
    const done = prepared.execute();
    prepared.run.stop();
    const report = await done;
    expect(report.meta.interrupted).toBe(true);
    expect(report.summary.requests).toBe(0);
    expect(s.seen).toHaveLength(0);
  });
});
