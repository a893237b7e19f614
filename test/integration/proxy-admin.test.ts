import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { Sidecar } from '../../src/proxy/index.js';
import { deadUrl, startServer, startSidecar, type TestServer } from '../helpers/servers.js';
import { waitUntil } from '../helpers/wait.js';

describe('sidecar admin port and membership', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function server(name: string): Promise<TestServer> {
    const s = await startServer((_req, res) => res.end(name));
    cleanup.push(() => s.close());
    return s;
  }
  async function sidecar(...args: Parameters<typeof startSidecar>): Promise<Sidecar> {
    const s = await startSidecar(...args);
    cleanup.push(() => s.stop());
    return s;
  }
  const body = async (url: string): Promise<string> => (await request(url)).body.text();

  it('round-robins the membership set and changes it at runtime through PUT /membership', async () => {
    const a = await server('a');
    const b = await server('b');
    const c = await server('c');
    const sc = await sidecar({ primary: [a.url, b.url] });
    const p = sc.addresses.proxy;
    const first = await Promise.all(Array.from({ length: 4 }, () => body(`${p}/x`)));
    expect(first.sort()).toEqual(['a', 'a', 'b', 'b']);

    const put = await request(`${sc.addresses.admin}/membership`, { method: 'PUT', body: JSON.stringify({ primary: [c.url] }) });
    expect(put.statusCode).toBe(200);
    expect(((await put.body.json()) as { primary: Array<{ origin: string }> }).primary.map((m) => m.origin)).toEqual([c.url]);
    const after = await Promise.all(Array.from({ length: 4 }, () => body(`${p}/x`)));
    expect(after).toEqual(['c', 'c', 'c', 'c']);
    const got = (await (await request(`${sc.addresses.admin}/membership`)).body.json()) as { primary: Array<{ origin: string; healthy: boolean }> };
    expect(got.primary).toEqual([expect.objectContaining({ origin: c.url, healthy: true })]);

    const bad = await request(`${sc.addresses.admin}/membership`, { method: 'PUT', body: JSON.stringify({ primary: ['ftp://x', 3] }) });
    expect(bad.statusCode).toBe(400);
    expect(((await bad.body.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'ST_ERR_ADMIN_BAD_REQUEST', message: expect.stringMatching(/primary\[0\]/) });
  });

  it('ejects a failing host after consecutive failures, retries refused connections elsewhere, and reports it', async () => {
    const good = await server('good');
    const dead = await deadUrl();
    const sc = await sidecar({ primary: [dead, good.url], upstream: { ejection: { consecutiveFailures: 2, baseTime: '30s' } } });
    // Refused connections never reached the dead host, so each is retried on the good one: no client sees an error.
    const results = await Promise.all(Array.from({ length: 10 }, async () => {
      const res = await request(`${sc.addresses.proxy}/x`);
      return `${res.statusCode} ${await res.body.text()}`;
    }));
    expect(results.every((r) => r === '200 good')).toBe(true);
    const view = (await (await request(`${sc.addresses.admin}/membership`)).body.json()) as { primary: Array<{ origin: string; healthy: boolean; ejections: number }> };
    expect(view.primary.find((m) => m.origin === dead)).toMatchObject({ healthy: false, ejections: 1 });
    const metrics = await (await request(`${sc.addresses.admin}/metrics`)).body.text();
    expect(metrics).toContain(`shadowtwin_upstream_healthy{upstream="${dead}"} 0`);
    expect(metrics).toContain(`shadowtwin_upstream_ejections_total{upstream="${dead}"} 1`);
  });

  it('answers 503 with a JSON error when the membership set is emptied', async () => {
    const a = await server('a');
    const sc = await sidecar({ primary: [a.url] });
    await sc.setMembership([]);
    const res = await request(`${sc.addresses.proxy}/x`);
    expect(res.statusCode).toBe(503);
    expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('ST_ERR_PROXY_NO_UPSTREAM');
  });

  it('requires the bearer token when one is set, and never shows secrets in /config', async () => {
    const a = await server('a');
    const token = 'a-very-long-admin-token-123';
    const sc = await sidecar({ primary: [a.url], admin: { token }, capture: { salt: 'salty-secret' } });
    const admin = sc.addresses.admin;
    const noAuth = await request(`${admin}/config`);
    expect(noAuth.statusCode).toBe(401);
    expect(((await noAuth.body.json()) as { error: { code: string } }).error.code).toBe('ST_ERR_ADMIN_UNAUTHORIZED');
    expect((await request(`${admin}/metrics`, { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).statusCode).toBe(401);
    const ok = await request(`${admin}/config`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.statusCode).toBe(200);
    const text = await ok.body.text();
    expect(text).not.toContain(token);
    expect(text).not.toContain('salty-secret');
    expect(JSON.parse(text).admin.token).toBe('[REDACTED]');
  });

  it('/readyz turns 503 while draining; /healthz and 404s answer in JSON', async () => {
    let arrived!: () => void;
    const arrival = new Promise<void>((r) => { arrived = r; });
    const slow = await startServer((_req, res) => { arrived(); setTimeout(() => res.end('slow'), 400); });
    cleanup.push(() => slow.close());
    const sc = await startSidecar({ primary: [slow.url] });
    expect((await request(`${sc.addresses.admin}/readyz`)).statusCode).toBe(200);
    expect((await request(`${sc.addresses.admin}/healthz`)).statusCode).toBe(200);
    const nf = await request(`${sc.addresses.admin}/nope`);
    expect(nf.statusCode).toBe(404);
    expect(((await nf.body.json()) as { error: { code: string } }).error.code).toBe('ST_ERR_ADMIN_NOT_FOUND');
    const admin = sc.addresses.admin;
    const inFlight = request(`${sc.addresses.proxy}/slow`).then(async (r) => `${r.statusCode} ${await r.body.text()}`);
    await arrival; // the request is at the primary: stopping now has something to drain
    const stopping = sc.stop();
    // While the slow request drains, the admin port still answers, and says "not ready".
    const during = await request(`${admin}/readyz`);
    expect(during.statusCode).toBe(503);
    expect(await inFlight).toBe('200 slow');
    await stopping;
    await expect(request(`${admin}/readyz`)).rejects.toThrow();
  });

  it('promtool accepts /metrics', async () => {
    const a = await server('a');
    const sec = await server('s');
    const sc = await sidecar({ primary: [a.url], secondary: sec.url, mirror: { fraction: 1 }, faults: { enabled: true, headerControl: true } });
    for (const path of ['/users/1', '/users/2', '/orders/abc-def']) await (await request(`${sc.addresses.proxy}${path}`)).body.dump();
    await (await request(`${sc.addresses.proxy}/x`, { headers: { 'x-shadowtwin-fault-abort-request': '500' } })).body.dump();
    // Every mirrored copy answered, so the secondary's series are in the exposition too.
    await waitUntil(() => sc.histograms().secondary.reduce((a, r) => a + r.requests, 0) === 3, 'the secondary answered the 3 copies');
    const text = await (await request(`${sc.addresses.admin}/metrics`)).body.text();
    const dir = mkdtempSync(join(tmpdir(), 'st-prom-'));
    writeFileSync(join(dir, 'metrics.txt'), text);
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (r.error) throw new Error(`promtool is needed for this test: run scripts/install-test-deps.sh (${r.error.message})`);
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
    expect(text).toMatch(/shadowtwin_proxy_request_duration_seconds_bucket\{le="0.005",route="\/users\/:id",method="GET",status="200"\}/);
    expect(text).toMatch(/shadowtwin_mirror_sent_total [1-9]/);
  });
});
