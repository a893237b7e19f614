import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario, prepareRun } from '../../src/generator/index.js';
import { runCli, waitForText } from '../helpers/cli.js';
import { startServer } from '../helpers/servers.js';

const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

describe('generator: invalid-header fault', () => {
  it('sends headers an HTTP client refuses to build, over a raw connection, and reports how the secondary answered', async () => {
    let valid = 0;
    const s = await startServer((_req, res) => { valid++; res.end('ok'); });
    cleanup.push(() => s.close());
    const r = await (await prepareRun(parseScenario({
      target: s.url, duration: '1s', load: { executor: 'constant-rate', rate: 60 }, source: { path: '/items/1' },
      faults: [{ kind: 'invalid-header', percent: 50 }], seed: 3,
    }))).execute();
    const f = r.faults['invalid-header']!;
    expect(f.injected).toBeGreaterThan(15);
    // Node's HTTP parser rejects every variant (control character, space before colon, no colon) with 400.
    expect(f.outcomes).toEqual({ '4xx': f.injected });
    expect(valid).toBe(60 - f.injected);
    expect(r.summary.requests).toBe(60);
  });
});

describe('generator: HTTP/2', () => {
  it('speaks h2 to a TLS secondary when asked (ALPN), trusting its CA', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-h2-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const versions: string[] = [];
    const server = createSecureServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')), allowHTTP1: true }, (req, res) => {
      versions.push(req.httpVersion);
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    const target = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const run = (http: Record<string, unknown>) => prepareRun(parseScenario({ target, duration: '1s', load: { executor: 'constant-rate', rate: 40 }, source: { path: '/x' }, http }));
    const h2 = await (await run({ http2: true, ca: join(dir, 'cert.pem'), connections: 2 })).execute();
    expect(h2.summary).toMatchObject({ requests: 40, errors: 0 });
    expect(new Set(versions)).toEqual(new Set(['2.0']));
    versions.length = 0;
    const h1 = await (await run({ insecure: true })).execute();
    expect(h1.summary.errors).toBe(0);
    expect(new Set(versions)).toEqual(new Set(['1.1']));
    // Without the CA or --insecure the self-signed certificate is refused, and the report says so.
    const refused = await (await run({})).execute();
    expect(refused.summary.errors).toBe(40);
  });
});

describe('generator: Prometheus metrics while running', () => {
  it('serves counters and summaries that promtool accepts, and refuses a non-loopback address without a token', async () => {
    const s = await startServer((_req, res) => res.end('ok'));
    cleanup.push(() => s.close());
    const cli = runCli(['generate', '--target', s.url, '--path', '/a/1', '--rate', '100', '--duration', '3s', '--metrics', '127.0.0.1:0', '--faults', 'delay:10%:5ms']);
    cleanup.push(() => { cli.child.kill(); });
    const url = (await waitForText(cli.stderr, /metrics: (http:\/\/\S+)/))[1]!;
    // The run starts after the HTTP client's warm-up: scrape until it has sent a good share of its load.
    let text = '';
    const value = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
    for (const end = Date.now() + 20_000; Date.now() < end;) {
      text = await (await fetch(url)).text();
      if (value('shadowtwin_generator_requests_completed_total') > 50) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(value('shadowtwin_generator_arrivals_intended_total')).toBeGreaterThan(50);
    expect(value('shadowtwin_generator_requests_completed_total')).toBeGreaterThan(50);
    expect(text).toMatch(/^shadowtwin_generator_latency_seconds\{quantile="0.99"\} [0-9.e-]+$/m);
    expect(text).toMatch(/^shadowtwin_generator_faults_injected_total\{kind="delay"\} \d+$/m);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(await cli.exit).toBe(0);

    const open = runCli(['generate', '--target', s.url, '--path', '/a', '--rate', '10', '--duration', '1s', '--metrics', '0.0.0.0:0']);
    expect(await open.exit).toBe(2);
    expect(open.stderr()).toMatch(/not a loopback address: set SHADOWTWIN_METRICS_TOKEN/);
  });
});
