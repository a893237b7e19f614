import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { deadUrl, readBody, useCleanup } from '../helpers/servers.js';
import { metricSum, waitUntil } from '../helpers/wait.js';

describe('sidecar mirroring', () => {
  const { cleanup, server, sidecar } = useCleanup();

  it('mirrors tagged copies (with bodies for opted-in methods) and records the secondary', async () => {
    const primary = await server(async (req, res) => { await readBody(req); res.end('primary'); });
    const shadowSeen: Array<{ method: string; url: string; tag: unknown; host: unknown; body: string }> = [];
    const secondary = await server(async (req, res) => {
      const body = (await readBody(req)).toString();
      shadowSeen.push({ method: req.method!, url: req.url!, tag: req.headers['x-shadowtwin-shadow'], host: req.headers.host, body });
      res.statusCode = req.url === '/fail' ? 500 : 200;
      res.end('secondary');
    });
    const sc = await sidecar({ primary: [primary.url], secondary: secondary.url, mirror: { fraction: 1, methods: ['GET', 'POST'], shadowHost: true } });
    const p = sc.addresses.proxy;
    expect(await (await request(`${p}/users/7`)).body.text()).toBe('primary');
    expect(await (await request(`${p}/orders`, { method: 'POST', body: '{"n":1}', headers: { 'content-type': 'application/json' } })).body.text()).toBe('primary');
    await (await request(`${p}/fail`)).body.dump();
    await (await request(`${p}/x`, { method: 'DELETE' })).body.dump(); // not in the allow-list
    await (await request(`${p}/loop`, { headers: { 'x-shadowtwin-shadow': '1' } })).body.dump(); // already a shadow
    // The mirror decides when a request arrives, so by now every copy it will make has been sent: exactly 3.
    const metricsText = async (): Promise<string> => (await request(`${sc.addresses.admin}/metrics`)).body.text();
    expect(metricSum(await metricsText(), 'shadowtwin_mirror_sent_total')).toBe(3);
    await waitUntil(() => shadowSeen.length >= 3, 'the secondary saw the 3 copies');
    expect(shadowSeen.map((s) => `${s.method} ${s.url}`).sort()).toEqual(['GET /fail', 'GET /users/7', 'POST /orders']);
    const post = shadowSeen.find((s) => s.method === 'POST')!;
    expect(post.body).toBe('{"n":1}');
    expect(post.tag).toBe('1');
    expect(post.host).toBe(`${new URL(p).hostname}-shadow:${new URL(p).port}`);
    const dump = sc.histograms();
    const users = dump.secondary.find((r) => r.route === '/users/:id')!;
    expect(users.requests).toBe(1);
    expect(users.status).toEqual({ 200: 1 });
    expect(dump.secondary.find((r) => r.route === '/fail')!.status).toEqual({ 500: 1 });
  });

  it('samples by consistent hash of a header: the same user is always or never mirrored', async () => {
    const primary = await server((_req, res) => res.end('ok'));
    const mirrored: string[] = [];
    const secondary = await server((req, res) => { mirrored.push(String(req.headers['x-user'])); res.end(); });
    const sc = await sidecar({ primary: [primary.url], secondary: secondary.url, mirror: { fraction: 0.5, hashHeader: 'x-user' } });
    for (let round = 0; round < 3; round++) {
      for (let u = 0; u < 40; u++) await (await request(`${sc.addresses.proxy}/a`, { headers: { 'x-user': `u${u}` } })).body.dump();
    }
    const sent = metricSum(await (await request(`${sc.addresses.admin}/metrics`)).body.text(), 'shadowtwin_mirror_sent_total');
    await waitUntil(() => mirrored.length === sent, `the secondary saw all ${sent} copies`);
    const counts = new Map<string, number>();
    for (const u of mirrored) counts.set(u, (counts.get(u) ?? 0) + 1);
    expect([...counts.values()].every((c) => c === 3)).toBe(true);
    expect(counts.size).toBeGreaterThan(8);
    expect(counts.size).toBeLessThan(32);
  });

  it('opens a circuit on a secondary that refuses connections, and closes it when it is back', async () => {
    const primary = await server((_req, res) => res.end('ok'));
    const deadAt = await deadUrl();
    const sc = await sidecar({ primary: [primary.url], secondary: deadAt, mirror: { fraction: 1, breakerFailures: 3, breakerBase: '300ms' } });
    for (let i = 0; i < 100; i++) await (await request(`${sc.addresses.proxy}/a`)).body.dump();
    const metrics = async (): Promise<string> => (await request(`${sc.addresses.admin}/metrics`)).body.text();
    const num = (text: string, re: RegExp): number => Number(re.exec(text)?.[1] ?? 0);
    // Every copy ends as a failure or a drop; wait until all 100 are accounted for.
    let m = '';
    await waitUntil(async () => { m = await metrics(); return metricSum(m, 'shadowtwin_mirror_failed_total') + metricSum(m, 'shadowtwin_mirror_dropped_total') === 100; }, 'all 100 copies failed or were dropped');
    const refused = num(m, /shadowtwin_mirror_failed_total\{code="ECONNREFUSED"\} (\d+)/);
    expect(refused).toBeGreaterThanOrEqual(3);
    expect(refused).toBeLessThan(10); // only the failures before the circuit opened (plus probes)
    expect(num(m, /shadowtwin_mirror_dropped_total\{reason="circuit_open"\} (\d+)/)).toBeGreaterThan(85);
    // The secondary comes up on the same port: after the open period a probe gets through and mirroring resumes.
    let seen = 0;
    const revived = (await import('node:http')).createServer((_req, res) => { seen++; res.end(); });
    await new Promise<void>((r) => revived.listen(Number(new URL(deadAt).port), '127.0.0.1', () => r()));
    cleanup.push(() => new Promise<void>((r) => { revived.close(() => r()); revived.closeAllConnections(); }));
    // The open period doubled for each probe that failed while it was down (how many depends on how busy the
    // machine was), so keep the traffic coming until a probe gets through rather than guess a wait.
    const until = Date.now() + 25_000;
    while (seen < 15 && Date.now() < until) {
      await (await request(`${sc.addresses.proxy}/a`)).body.dump();
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(() => seen >= 15);
    expect(JSON.parse(await (await request(`${sc.addresses.admin}/stats`)).body.text()).mirror.circuitOpen).toBe(false);
  });

  it('keeps shadow connections alive, times out a secondary that never answers, and reaches an https secondary through undici', async () => {
    const primary = await server((_req, res) => res.end('ok'));
    const sockets = new Set<unknown>();
    const secondary = await server((req, res) => { sockets.add(req.socket); if (req.url !== '/hang') res.end('shadow'); });
    const sc = await sidecar({ primary: [primary.url], secondary: secondary.url, mirror: { fraction: 1, timeout: '200ms' } });
    for (let i = 0; i < 30; i++) await (await request(`${sc.addresses.proxy}/a`)).body.dump();
    await waitFor(() => sc.histograms().secondary.some((r) => r.requests === 30));
    expect(sockets.size).toBe(1); // one request at a time: one kept-alive connection
    await (await request(`${sc.addresses.proxy}/hang`)).body.dump();
    const metrics = async (url: string): Promise<string> => (await request(`${url}/metrics`)).body.text();
    await waitUntil(async () => metricSum(await metrics(sc.addresses.admin), 'shadowtwin_mirror_failed_total') >= 1, 'the hanging copy failed');
    expect(await metrics(sc.addresses.admin)).toMatch(/shadowtwin_mirror_failed_total\{code="ST_TIMEOUT"\} 1/);

    // https: undici's TLS client; an unverifiable certificate is a counted failure, the primary is untouched.
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'st-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const tls = (await import('node:https')).createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => res.end());
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise<void>((r) => { tls.close(() => r()); tls.closeAllConnections(); }));
    const sc2 = await sidecar({ primary: [primary.url], secondary: `https://127.0.0.1:${(tls.address() as { port: number }).port}`, mirror: { fraction: 1 } });
    for (let i = 0; i < 3; i++) expect(await (await request(`${sc2.addresses.proxy}/a`)).body.text()).toBe('ok');
    await waitUntil(async () => metricSum(await metrics(sc2.addresses.admin), 'shadowtwin_mirror_failed_total') >= 3, 'the 3 https copies failed');
    expect(await metrics(sc2.addresses.admin)).toMatch(/shadowtwin_mirror_failed_total\{code="(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)"\} 3/);
  });
  // The latency of the primary path with a hostile secondary: proxy-mirror-latency.wallclock.test.ts.
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
