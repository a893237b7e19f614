import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { deadUrl, useCleanup } from '../helpers/servers.js';
import { SMALL_LOG_PATH, writeSmallAccessLog } from '../helpers/small-model.js';


/** The round line of `scale --json` (warning lines, e.g. about old history, may come first). */
const roundOf = (stdout: string): { round: any } => stdout.trim().split('\n').map((l) => JSON.parse(l)).find((o) => 'round' in o);
describe('capacity and scale --validate-target (CLI): target URL, model, exit codes, progress', () => {
  const { server } = useCleanup();
  const dir = mkdtempSync(join(tmpdir(), 'st-capcli-'));
  async function recording(): Promise<{ url: string; seen: string[] }> {
    const seen: string[] = [];
    const s = await server((req, res) => { seen.push(req.url!); req.resume(); res.end('ok'); });
    return { url: s.url, seen };
  }
  // Two short trials: 20 req/s passes, 40 (the cap) passes, search ends. The SLO is loose so a busy machine cannot fail it.
  const quick = ['--start-rate', '20', '--max-rate', '40', '--trial', '500ms', '--slo', 'p99 < 60s,errors < 1%'];

  it('capacity: --target path and query are the request\'s; progress per trial on stderr, JSON alone on stdout', async () => {
    const a = await recording();
    const r = runCli(['capacity', '--target', `${a.url}/api/items?page=2`, ...quick, '--json']);
    expect(await r.exit).toBe(0);
    expect(a.seen.length).toBe(30);
    expect(new Set(a.seen)).toEqual(new Set(['/api/items?page=2']));
    expect(JSON.parse(r.stdout())).toMatchObject({ sustainableRate: 40 });
    expect(r.stderr()).toMatch(/trial 1: 20 req\/s for 500ms…\n {2}pass: achieved 20 req\/s/);
    expect(r.stderr()).toMatch(/trial 2: 40 req\/s for 500ms…\n {2}pass/);
  });

  it('capacity: / when the --target URL has no path; --path overrides the URL\'s; --quiet prints no progress', async () => {
    const b = await recording();
    expect(await runCli(['capacity', '--target', b.url, ...quick, '--quiet']).exit).toBe(0);
    expect(new Set(b.seen)).toEqual(new Set(['/']));

    const c = await recording();
    const o = runCli(['capacity', '--target', `${c.url}/api/items`, '--path', '/health?deep=1', ...quick, '--quiet']);
    expect(await o.exit).toBe(0);
    expect(o.stderr()).toBe('');
    expect(new Set(c.seen)).toEqual(new Set(['/health?deep=1']));
  });

  it('capacity --model synthesises the mix from a model built by profile build', async () => {
    const log = join(dir, 'small.log');
    writeSmallAccessLog(log);
    const model = join(dir, 'model.json');
    expect(await runCli(['profile', 'build', log, '--format', 'combined', '-o', model]).exit).toBe(0);
    const s = await recording();
    const r = runCli(['capacity', '--target', s.url, '--model', model, ...quick, '--quiet']);
    expect(await r.exit).toBe(0);
    expect(s.seen.length).toBe(30);
    for (const p of s.seen) expect(p).toMatch(SMALL_LOG_PATH);
    expect(new Set(s.seen.map((p) => p.replace(/\d+/g, 'N'))).size).toBeGreaterThanOrEqual(2);
  });

  it('capacity exit codes: a refused target exits 3; an SLO failed even at --start-rate exits 4; bad flags name the flag', async () => {
    const down = await deadUrl();
    const refused = runCli(['capacity', '--target', down, ...quick]);
    expect(await refused.exit).toBe(3);
    expect(refused.stderr()).toContain('ST_ERR_TARGET_UNREACHABLE');
    expect(refused.stdout()).not.toContain('sustainable');

    const slow = await server((_req, res) => setTimeout(() => res.end('ok'), 30));
    const failing = runCli(['capacity', '--target', slow.url, '--path', '/x', ...quick, '--slo', 'p99 < 5ms']);
    expect(await failing.exit).toBe(4);
    expect(failing.stdout()).toContain('sustainable 0 req/s');
    expect(failing.stderr()).toContain('ST_ERR_THRESHOLDS_FAILED: even the first trial (--start-rate 20 req/s) failed the SLO: p99 < 5ms');

    const bad = runCli(['capacity', '--target', slow.url, '--start-rate', 'ten', '--trial', 'long', '--slo', 'p99 fast', '--path', 'x']);
    expect(await bad.exit).toBe(2);
    for (const t of ['--start-rate must be a number above 0, got "ten"', '--trial must be a duration', '--slo: "p99 fast" is not a threshold', '--path must start with /']) expect(bad.stderr()).toContain(t);
  });

  const csv = join(dir, 'rate.csv');
  const t0 = Date.UTC(2026, 0, 1);
  // ~60 req/s with a daily swing: capacity 20 per replica from 1 replica proposes a scale-up, which is validated first.
  writeFileSync(csv, 'timestamp,value\n' + Array.from({ length: 4 * 288 }, (_, i) => `${new Date(t0 + i * 300_000).toISOString().slice(0, 19).replace('T', ' ')},${Math.round(60 + 30 * Math.sin((2 * Math.PI * i) / 288))}`).join('\n'));
  const scale = (...extra: string[]): ReturnType<typeof runCli> => runCli(['scale', '--input', csv, '--capacity', '20', '--current', '1', '--lead-time', '5m', '--json', '--validate-duration', '500ms', '--attempts', '1', '--slo', 'p99 < 60s,errors < 1%', ...extra]);

  it('scale --validate-target: the URL\'s path and query are the validation request\'s', async () => {
    const a = await recording();
    const r = scale('--validate-target', `${a.url}/api/items?x=1`);
    expect(await r.exit).toBe(0);
    const { round } = roundOf(r.stdout());
    expect(round.attempts).toHaveLength(1);
    expect(round.attempts[0].pass).toBe(true);
    // The validation load is the proposal's expected rate for --validate-duration, all of it received.
    const { requests, intended } = round.attempts[0].summary;
    expect(requests).toBe(intended);
    expect(Math.abs(intended - round.proposal.expectedRate * 0.5)).toBeLessThanOrEqual(1);
    expect(a.seen.length).toBe(round.attempts[0].summary.requests);
    expect(new Set(a.seen)).toEqual(new Set(['/api/items?x=1']));
    expect(r.stderr()).toMatch(/validating \d+ replicas?: 500ms of synthetic load against/);
  });

  it('scale: --validate-path overrides the URL\'s path', async () => {
    const b = await recording();
    expect(await scale('--validate-target', `${b.url}/api/items`, '--validate-path', '/ready').exit).toBe(0);
    expect(new Set(b.seen)).toEqual(new Set(['/ready']));
  });

  it('scale: --validate-model synthesises the validation load from a model', async () => {
    const log = join(dir, 'small2.log');
    writeSmallAccessLog(log);
    const model = join(dir, 'model2.json');
    expect(await runCli(['profile', 'build', log, '--format', 'combined', '-o', model]).exit).toBe(0);
    const c = await recording();
    const r = scale('--validate-target', c.url, '--validate-model', model);
    expect(await r.exit).toBe(0);
    const { round } = roundOf(r.stdout());
    expect(round.attempts[0].summary.requests).toBeGreaterThan(5);
    expect(c.seen.length).toBe(round.attempts[0].summary.requests);
    for (const p of c.seen) expect(p).toMatch(SMALL_LOG_PATH);
  });

  it('scale: a size that fails validation at every attempt is rejected: exit 4, decision rejected, nothing applied', async () => {
    const failing = await server((req, res) => { req.resume(); res.statusCode = 503; res.end('overloaded'); });
    const hooks: string[] = [];
    const webhook = await server(async (req, res) => { let b = ''; for await (const c of req) b += c; hooks.push(b); res.end('{}'); });
    const r = scale('--validate-target', failing.url, '--attempts', '2', '--actuator', 'webhook', '--webhook', webhook.url);
    expect(await r.exit).toBe(4);
    const { round } = roundOf(r.stdout());
    expect(round.decision).toBe('rejected');
    expect(round.applied).toBeUndefined();
    expect(round.proposal.current).toBe(1);
    // One size up per attempt, each failing the error SLO on real 503s.
    expect(round.attempts.map((a: { replicas: number }) => a.replicas)).toEqual([round.attempts[0].replicas, round.attempts[0].replicas + 1]);
    expect(round.attempts[0].replicas).toBeGreaterThan(1);
    for (const a of round.attempts) {
      expect(a.pass).toBe(false);
      expect(a.failed.join('; ')).toMatch(/errors < 1% \(actual 1\)/);
      expect(a.summary.requests).toBeGreaterThan(0);
    }
    expect(hooks).toEqual([]); // the actuator was never called
    // The same flags against a healthy target apply through the webhook (so the silence above means something).
    const ok = await recording();
    const applied = scale('--validate-target', ok.url, '--attempts', '2', '--actuator', 'webhook', '--webhook', webhook.url);
    expect(await applied.exit).toBe(0);
    expect(roundOf(applied.stdout()).round.decision).toBe('applied');
    expect(hooks).toHaveLength(1);
    expect(JSON.parse(hooks[0]!)).toMatchObject({ replicas: round.attempts[0].replicas });
  });

  it('scale: a refused --validate-target exits 3 (ST_ERR_TARGET_UNREACHABLE), not 4 (a rejected size)', async () => {
    const down = await deadUrl();
    const r = scale('--validate-target', down);
    expect(await r.exit).toBe(3);
    expect(r.stderr()).toContain('ST_ERR_TARGET_UNREACHABLE: validation at');
  });

  it('scale: a --validate-target that is a host of the membership pool (a live host) is refused before any load, under any name', async () => {
    const live = await recording();
    const other = await recording();
    const port = new URL(live.url).port;
    // A sidecar admin port with the live host in rotation.
    const adminServer = await server((_req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ primary: [live.url] })); });
    const admin = adminServer.url;
    for (const alias of [live.url, `http://localhost:${port}`, `http://127.0.0.2:${port}`]) {
      const r = scale('--validate-target', alias, '--actuator', 'membership', '--admin', admin, '--pool', `${live.url},${other.url}`);
      expect(await r.exit).toBe(2);
      // The same URL is refused by the scenario's own check; an alias by resolved address.
      expect(r.stderr()).toMatch(/ST_ERR_SAFETY_TARGET_IS_PRIMARY|ST_ERR_SCENARIO_INVALID: .*\n.*is a primary host/);
    }
    expect(live.seen).toEqual([]);
  });

  it('scale: bad flags are named as typed', async () => {
    const c = await recording();
    const bad = scale('--validate-target', `ftp://${c.url.slice(7)}`, '--attempts', 'three', '--capacity', 'lots');
    expect(await bad.exit).toBe(2);
    for (const t of ['--validate-target must start with http:// or https://', '--attempts must be a whole number of at least 1, got "three"', '--capacity must be a number above 0, got "lots"']) expect(bad.stderr()).toContain(t);
  });
});
