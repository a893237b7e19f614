import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RouteStatsTable, windowFromTable } from '../../src/common/index.js';
import { Controller, parseControllerConfig } from '../../src/control/index.js';
import { runCli, waitForText, type CliRun } from '../helpers/cli.js';
import { deadUrl, startServer, type TestServer } from '../helpers/servers.js';
import { waitUntil } from '../helpers/wait.js';

const TOKEN = 'ctl-test-token-0123456789abcdef';

/** The built CLI to its end: exit code and output. */
async function ctl(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  const r = runCli(['ctl', ...args], { SHADOWTWIN_CONTROLLER_TOKEN: '', ...env });
  const code = await r.exit;
  return { code, out: r.stdout(), err: r.stderr() };
}

describe('shadowtwin ctl against a real controller', () => {
  let c: Controller;
  let secondary: TestServer;
  let dir: string;
  let served = 0;
  let base: string[];

  beforeAll(async () => {
    secondary = await startServer((req, res) => { served++; req.resume(); res.end('ok'); });
    dir = mkdtempSync(join(tmpdir(), 'st-ctl-cli-'));
    c = await Controller.start({
      config: parseControllerConfig({ grpc: '127.0.0.1:0', http: '127.0.0.1:0', data: dir, token: TOKEN, windowMs: '1s', services: [{ name: 'shop', secondary: secondary.url }] }),
      defaultMetrics: false,
    });
    const t = new RouteStatsTable();
    for (let i = 0; i < 40; i++) t.get(i % 4 === 0 ? '/search' : '/products/:id', 'GET').record(200, 3, 0, 100, false);
    const now = Date.now();
    await c.ingest({ batchId: 'b1', sender: 'shop/shop-1', peer: 'test', windows: [windowFromTable({ service: 'shop', pod: 'shop-1', role: 'primary' }, now - 2_000, now - 1_000, t)] });
    base = ['--controller', c.addresses.http, '--token', TOKEN];
  });

  afterAll(async () => {
    await c?.stop();
    await secondary?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('status: a table of services, pods and rate; --json prints the state document', { timeout: 30_000 }, async () => {
    const table = await ctl(['status', ...base]);
    expect(table.code, table.err).toBe(0);
    expect(table.out).toMatch(/SERVICE\s+PODS\s+RATE\/S\s+FORECAST\/S/);
    expect(table.out).toMatch(/^shop\s+1\/1\s+\d/m);
    expect(table.out).toMatch(/no load runs|RUN\s+SERVICE/);
    const j = await ctl(['status', '--json', ...base]);
    expect(j.code, j.err).toBe(0);
    const state = JSON.parse(j.out);
    expect(state.kind).toBe('shadowtwin.controller-state');
    expect(state.services.map((s: { name: string }) => s.name)).toContain('shop');
    // The token from the environment works like --token.
    const env = await ctl(['status', '--controller', c.addresses.http], { SHADOWTWIN_CONTROLLER_TOKEN: TOKEN });
    expect(env.code, env.err).toBe(0);
  });

  it('run start (synthesized and from a file) / adjust / stop, runs, and events --follow receiving the run\'s events', async () => {
    const follow: CliRun = runCli(['ctl', 'events', '--follow', '--limit', '0', ...base]);
    try {
      await waitForText(follow.stderr, /following the events after #\d+/, 30_000);
      const started = await ctl(['run', 'start', '--service', 'shop', '--rate', '20', '--duration', '30s', ...base]);
      expect(started.code, started.err).toBe(0);
      const id = /^run (\S+): running, shop → /m.exec(started.out)?.[1];
      expect(id, started.out).toBeDefined();
      await waitForText(follow.stdout, new RegExp(`run-started shop .*"runId":"${id}"`), 20_000);

      const runs = await ctl(['runs', ...base]);
      expect(runs.code, runs.err).toBe(0);
      expect(runs.out).toMatch(new RegExp(`^${id}\\s+shop\\s+running\\s+${secondary.url.replace(/[.]/g, '\\.')}`, 'm'));
      const adjusted = await ctl(['run', 'adjust', id!, '2', ...base]);
      expect(adjusted.code, adjusted.err).toBe(0);
      expect(adjusted.out).toMatch(/factor ×2/);
      await waitForText(follow.stdout, /run-adjusted shop .*"factor":2/, 20_000);
      const stopped = await ctl(['run', 'stop', id!, '--json', ...base]);
      expect(stopped.code, stopped.err).toBe(0);
      expect(['stopping', 'finished']).toContain(JSON.parse(stopped.out).status);
      await waitForText(follow.stdout, new RegExp(`run-finished shop .*"runId":"${id}".*"status":"finished"`), 20_000);
      expect(served).toBeGreaterThan(0);

      // From a scenario file (YAML).
      const file = join(dir, 'scenario.yaml');
      writeFileSync(file, `target: ${secondary.url}\nduration: 1s\nload: { executor: constant-rate, rate: 10 }\nsource: { path: /from-file }\n`);
      const fromFile = await ctl(['run', 'start', file, '--service', 'shop', ...base]);
      expect(fromFile.code, fromFile.err).toBe(0);
      const id2 = /^run (\S+): running/m.exec(fromFile.out)![1]!;
      await c.runs.finished(id2);
      const listed = JSON.parse((await ctl(['runs', '--json', ...base])).out);
      expect(listed.runs.find((r: { id: string }) => r.id === id2)).toMatchObject({ status: 'finished', summary: { requests: 10 } });
    } finally {
      follow.child.kill('SIGINT');
    }
    // Ctrl-C ends the follow cleanly.
    expect(await follow.exit).toBe(0);
  }, 90_000);

  it('says what is wrong: a controller that is down, a missing token, bad arguments, errors from the API', async () => {
    const down = await deadUrl();
    const r1 = await ctl(['status', '--controller', down]);
    expect(r1.code).toBe(3);
    expect(r1.err).toContain('ST_ERR_SOURCE_UNREACHABLE');
    expect(r1.err).toContain(down);
    expect(r1.err).toMatch(/check --controller/);

    const r2 = await ctl(['runs', '--controller', c.addresses.http]);
    expect(r2.code).toBe(2);
    expect(r2.err).toContain('ST_ERR_CONTROL_UNAUTHENTICATED');
    expect(r2.err).toMatch(/--token/);
    expect(r2.err).toMatch(/SHADOWTWIN_CONTROLLER_TOKEN/);

    const r3 = await ctl(['run', 'stop', 'no-such-run', ...base]);
    expect(r3.code).toBe(2);
    expect(r3.err).toContain('ST_ERR_CONTROL_RUN_NOT_FOUND');
    const r4 = await ctl(['run', 'start', '--service', 'shop', ...base]);
    expect(r4.code).toBe(2);
    expect(r4.err).toContain('ST_ERR_USAGE');
    const r5 = await ctl(['run', 'adjust', 'x', '2', '--controller', 'not a url']);
    expect(r5.code).toBe(2);
    expect(r5.err).toMatch(/ST_ERR_USAGE: --controller not a url/);
    const r6 = await ctl(['run', 'start', join(dir, 'missing.yaml'), ...base]);
    expect(r6.code).toBe(2);
    expect(r6.err).toContain('ST_ERR_INPUT_UNREADABLE');
    expect(r5.err + r6.err).not.toMatch(/\n\s+at /); // no stack traces
  }, 60_000);
});
