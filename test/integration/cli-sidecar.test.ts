import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, waitForText } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/servers.js';

describe('shadowtwin sidecar (CLI)', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('drains in-flight requests on SIGTERM, flushes the capture and exits 0', async () => {
    let slowArrived!: () => void;
    const slowArrival = new Promise<void>((r) => { slowArrived = r; });
    const up: TestServer = await startServer((req, res) => { if (req.url === '/slow') slowArrived(); setTimeout(() => res.end(`done ${req.url}`), req.url === '/slow' ? 800 : 1); });
    cleanup.push(() => up.close());
    const dir = mkdtempSync(join(tmpdir(), 'st-cli-'));
    const capture = join(dir, 'cap.ndjson');
    const run = runCli(['sidecar', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--primary', up.url, '--capture', capture]);
    cleanup.push(async () => { run.child.kill('SIGKILL'); });
    const m = await waitForText(run.stderr, /proxy (http:\/\/127\.0\.0\.1:\d+)/);
    const proxy = m[1]!;
    await (await request(`${proxy}/fast`)).body.dump();
    const slow = request(`${proxy}/slow`).then(async (r) => `${r.statusCode} ${await r.body.text()}`);
    await slowArrival; // in flight at the primary when the signal comes
    run.child.kill('SIGTERM');
    expect(await slow).toBe('200 done /slow');
    expect(await run.exit).toBe(0);
    // No new connections after the drain started.
    await expect(request(`${proxy}/after`)).rejects.toThrow();
    const lines = readFileSync(capture, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0].shadowtwin).toBe('capture');
    expect(lines.slice(1).map((r: { path: string }) => r.path).sort()).toEqual(['/fast', '/slow']);
  });

  it('lists every config problem at once and exits 2', async () => {
    const run = runCli(['sidecar', '--primary', 'nope', '--mirror', 'lots', '--admin', '0.0.0.0:0', '--capture-mode', 'all']);
    expect(await run.exit).toBe(2);
    const err = run.stderr();
    expect(err).toContain('ST_ERR_CONFIG_INVALID');
    expect(err).toMatch(/4 problems|[5-9] problems/);
    // Problems with values typed as flags name the flag, in the user's words; the rest keep their config path.
    for (const flag of ['--primary', '--capture-mode', 'admin.token']) expect(err).toContain(`- ${flag}:`);
    expect(err).toContain('- --mirror must be a number between 0 and 1, got "lots"');
    expect(err).not.toMatch(/mirror\.fraction|primary\[0\]/);
  });

  it('--mirror 10% alone is a usage error naming the flag and the accepted range', async () => {
    const run = runCli(['sidecar', '--primary', 'http://127.0.0.1:1', '--secondary', 'http://127.0.0.1:2', '--mirror', '10%', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0']);
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toContain('ST_ERR_USAGE: --mirror must be a number between 0 and 1, got "10%"');
  });

  it('exits 3 with ST_ERR_LISTEN_FAILED when the port is taken', async () => {
    const busy = await startServer(() => undefined);
    cleanup.push(() => busy.close());
    const port = new URL(busy.url).port;
    const run = runCli(['sidecar', '--listen', `127.0.0.1:${port}`, '--admin', '127.0.0.1:0', '--primary', 'http://127.0.0.1:1']);
    expect(await run.exit).toBe(3);
    expect(run.stderr()).toMatch(/ST_ERR_LISTEN_FAILED: cannot listen on 127\.0\.0\.1:\d+ for the data port/);
  });
});
