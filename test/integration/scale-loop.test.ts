import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { readDocument, SCALE_LOOP_STATE_CONTRACT, windowFromTable, RouteStatsTable } from '../../src/common/index.js';
import { ScaleLoop, SCALE_LOOP_EVENTS, type Actuator } from '../../src/scaler/index.js';
import { runCli } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/servers.js';

/** A cluster that keeps what was applied (external state: it survives a loop's restart). */
function cluster(start: number): Actuator & { applied: number[] } {
  let replicas = start;
  const applied: number[] = [];
  return { name: 'test', applied, async current() { return replicas; }, async apply(n) { replicas = n; applied.push(n); return `scaled to ${n}`; } };
}

/** One second of `requests` at `start` as the given role's window; `slowMs` latency when given. */
function win(role: 'primary' | 'secondary', start: number, requests: number, slowMs?: number) {
  const t = new RouteStatsTable(1);
  const r = t.get('/a', 'GET');
  for (let i = 0; i < requests; i++) r.record(200, slowMs ?? 5, 0, 10, false);
  return windowFromTable({ service: 'shop', pod: 'p1', role }, start, start + 1000, t);
}

describe('the scale loop (library)', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

  it('fed windows: emits feedback, forecast, proposal, validation, decision, round, record in that order; validation is a real run', async () => {
    const seen: string[] = [];
    const target: TestServer = await startServer((req, res) => { seen.push(req.url!); res.end('ok'); });
    cleanup.push(() => target.close());
    const c = cluster(1);
    const loop = new ScaleLoop({
      target: 'shop', capacityPerReplica: 20, actuator: c, intervalMs: 1000,
      policy: { leadTimeMs: 5_000, lookAheadMs: 5_000, headroom: 1, targetUtilization: 0.5 },
      validation: { prepare: async () => undefined, scenario: { target: target.url, duration: 300, source: { kind: 'fixed', path: '/v' } }, slo: ['errors < 1%'], maxAttempts: 1 },
    });
    const events: string[] = [];
    for (const e of SCALE_LOOP_EVENTS) loop.on(e, () => { events.push(e); });
    const t0 = Date.UTC(2026, 0, 1);
    // A ramp from 20 to 58 req/s over 20 s: 1 replica at 20 req/s × 0.5 is far behind.
    for (let s = 0; s < 20; s++) loop.feed(win('primary', t0 + s * 1000, 20 + 2 * s));
    const rec = await loop.round(t0 + 20_000);
    expect(events).toEqual(['feedback', 'forecast', 'proposal', 'validation', 'decision', 'round', 'record']);
    expect(rec.decision).toBe('applied');
    expect(rec.attempts).toHaveLength(1);
    expect(rec.attempts[0]!.summary.requests).toBeGreaterThan(0);
    expect(seen.length).toBe(rec.attempts[0]!.summary.requests);
    expect(c.applied).toEqual([rec.proposal.replicas]);
    expect(rec.proposal.replicas).toBeGreaterThanOrEqual(6);
    expect(loop.records.at(-1)).toMatchObject({ kind: 'shadowtwin.scale-record', decision: 'applied', validation: [{ pass: true }] });
  });

  it('a breach in a fed secondary window raises the headroom at the next round', async () => {
    const loop = new ScaleLoop({ target: 'shop', capacityPerReplica: 100, actuator: cluster(2), intervalMs: 1000, policy: { headroom: 1.2, leadTimeMs: 0, lookAheadMs: 2000 } });
    const t0 = Date.UTC(2026, 0, 1);
    for (let s = 0; s < 3; s++) loop.feed(win('primary', t0 + s * 1000, 100));
    await loop.round(t0 + 3000);
    expect(loop.feedbackState).toMatchObject({ headroom: 1.2, breaches: 0 });
    loop.feed([win('primary', t0 + 3000, 100), win('secondary', t0 + 3000, 50, 400)]);
    await loop.round(t0 + 4000);
    expect(loop.feedbackState).toMatchObject({ headroom: 1.32, breaches: 1 });
    // Consumed: the next round without a new breach does not count it again.
    loop.feed(win('primary', t0 + 4000, 100));
    await loop.round(t0 + 5000);
    expect(loop.feedbackState.breaches).toBe(1);
  });

  it('with nothing to forecast from, a round says what to give it', async () => {
    const loop = new ScaleLoop({ target: 'shop', capacityPerReplica: 100, actuator: cluster(2), intervalMs: 1000 });
    await expect(loop.round()).rejects.toMatchObject({ code: 'ST_ERR_INPUT_EMPTY', message: expect.stringMatching(/feed it windows of role primary.*or give it a history/) });
  });

  it('metrics endpoint: loopback by default, a token required off loopback and on every request when set, JSON errors, /state', async () => {
    const loop = new ScaleLoop({ target: 'shop', capacityPerReplica: 100, actuator: cluster(2), intervalMs: 1000, forecast: async (now) => [{ ts: now, point: 400, upper: 420 }] });
    await expect(loop.serveMetrics('0.0.0.0:0')).rejects.toMatchObject({ code: 'ST_ERR_USAGE', message: expect.stringContaining('--metrics-token or SHADOWTWIN_METRICS_TOKEN') });
    const m = await loop.serveMetrics('127.0.0.1:0', 'scrape-token-0123456789');
    cleanup.push(() => m.close());
    await loop.round();
    const anon = await request(`${m.url}/metrics`);
    expect(anon.statusCode).toBe(401);
    expect(await anon.body.json()).toMatchObject({ error: { code: 'ST_ERR_ADMIN_UNAUTHORIZED' } });
    const auth = { authorization: 'Bearer scrape-token-0123456789' };
    const text = await (await request(`${m.url}/metrics`, { headers: auth })).body.text();
    expect(text).toContain('shadowtwin_scaler_predicted_requests_per_second{target="shop"} 440');
    const missing = await request(`${m.url}/nope`, { headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(await missing.body.json()).toMatchObject({ error: { code: 'ST_ERR_ADMIN_NOT_FOUND' } });
    const state = readDocument(SCALE_LOOP_STATE_CONTRACT, await (await request(`${m.url}/state`, { headers: auth })).body.json(), '/state');
    expect(state.decisions).toHaveLength(1);
  });
});

describe('scale (CLI): config problems at once, --state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-scale-loop-'));
  const csv = join(dir, 'rate.csv');
  const t0 = Date.UTC(2026, 0, 1);
  writeFileSync(csv, 'timestamp,value\n' + Array.from({ length: 4 * 288 }, (_, i) => `${new Date(t0 + i * 300_000).toISOString()},${Math.round(300 + 150 * Math.sin((2 * Math.PI * i) / 288))}`).join('\n') + '\n');

  it('--capacity abc --max 0 --min 5: every problem in one message, exit 2', async () => {
    const r = runCli(['scale', '--input', csv, '--capacity', 'abc', '--max', '0', '--min', '5', '--utilization', '2']);
    expect(await r.exit).toBe(2);
    const err = r.stderr();
    expect(err).toContain('ST_ERR_USAGE: 4 problems');
    for (const t of ['--capacity must be a number above 0, got "abc"', '--max must be a whole number of at least 1, got "0"', '--min 5 is above --max 0', '--utilization must be a number between above 0 and 1, got "2"']) expect(err).toContain(t);
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('--state: a second run resumes from the first one\'s state', async () => {
    const state = join(dir, 'state.json');
    for (let i = 1; i <= 2; i++) {
      const r = runCli(['scale', '--input', csv, '--capacity', '50', '--current', '2', '--json', '--state', state, '--target', 'checkout']);
      expect(await r.exit).toBe(0);
      const doc = readDocument(SCALE_LOOP_STATE_CONTRACT, JSON.parse(readFileSync(state, 'utf8')), state);
      expect(doc.decisions).toHaveLength(i);
      expect(doc.recentDesired).toHaveLength(i);
    }
    const other = runCli(['scale', '--input', csv, '--capacity', '50', '--state', state, '--target', 'search']);
    expect(await other.exit).toBe(2);
    expect(other.stderr()).toContain('is the state of target "checkout", not "search"');
  });
});
