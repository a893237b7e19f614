import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { assertBuilt, waitForText } from '../helpers/cli.js';
import { childDone } from '../helpers/child-done.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const curl = promisify(execFile);

describe('npm start (the demo sidecar)', () => {
  const kill: Array<() => void> = [];
  afterEach(() => { for (const k of kill.splice(0)) k(); });

  it('serves through the sidecar, mirrors and captures, and exits 0 on Ctrl-C', { timeout: 120_000 }, async () => {
    assertBuilt();
    // Exactly the command line of package.json's "start" (its prestart is `npm run build`, which npm test has done),
    // with free ports and a capture file of our own.
    const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    const [node, ...args] = start.split(' ');
    expect(node).toBe('node');
    const capture = join(mkdtempSync(join(tmpdir(), 'st-start-')), 'capture.ndjson');
    const child = spawn(process.execPath, [...args, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--primary-listen', '127.0.0.1:0', '--secondary-listen', '127.0.0.1:0', '--capture', capture], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    kill.push(() => child.kill('SIGKILL'));
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const exit = childDone(child);
    const m = await waitForText(() => out, /sidecar +(http:\/\/127\.0\.0\.1:\d+) +admin (http:\/\/127\.0\.0\.1:\d+)/, 60_000); // start-up includes the warm-up: slow on a loaded machine
    const [, proxy, admin] = m;

    // The commands the banner suggests, with curl.
    const get = await curl('curl', ['-sS', '-w', '\n%{http_code}', `${proxy}/users/42`]);
    expect(get.stdout.trim().split('\n').pop()).toBe('200');
    const post = await curl('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', '-d', '{"item":1}', '-H', 'content-type: application/json', `${proxy}/checkout`]);
    expect(post.stdout).toMatch(/^2\d\d$/);
    for (let i = 0; i < 20; i++) await curl('curl', ['-sS', '-o', '/dev/null', `${proxy}/users/${i}`]);
    const metrics = (await curl('curl', ['-sS', `${admin}/metrics`])).stdout;
    expect(Number(/shadowtwin_mirror_sent_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0); // half the GETs are mirrored
    // 22 requests through the proxy, counted in the duration histogram's _count series.
    const counted = [...metrics.matchAll(/^shadowtwin_proxy_request_duration_seconds_count\{[^}]*\} (\d+)$/gm)].reduce((a, x) => a + Number(x[1]), 0);
    expect(counted).toBe(22);

    child.kill('SIGINT');
    expect(await exit, err).toBe(0);
    const lines = readFileSync(capture, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { shadowtwin?: string; path?: string; method?: string });
    expect(lines[0]!.shadowtwin).toBe('capture');
    expect(lines.slice(1)).toHaveLength(22);
    expect(lines.slice(1).filter((r) => r.method === 'POST').map((r) => r.path)).toEqual(['/checkout']);
  });
});
