import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { parseSidecarConfig } from '../../src/common/index.js';
import { parseScenario, prepareRun } from '../../src/generator/index.js';
import { createSidecar } from '../../src/proxy/index.js';
import { deadUrl, readBody, useCleanup } from '../helpers/servers.js';
import { codeOf } from '../helpers/error-code.js';

describe('the sidecar never forwards its own traffic to the primary', () => {
  const { server, sidecar, cleanup } = useCleanup();

  it('refuses a secondary that is its own data port (any alias, 0.0.0.0 listen included)', async () => {
    let hits = 0;
    const primary = await server((_req, res) => { hits++; res.end('primary'); });
    const port = new URL(await deadUrl()).port;
    for (const [listen, secondary] of [
      [`127.0.0.1:${port}`, `http://localhost:${port}`],
      [`0.0.0.0:${port}`, `http://127.0.0.1:${port}`],
      [`127.0.0.1:${port}`, `http://[::ffff:127.0.0.1]:${port}`],
    ] as const) {
      const config = parseSidecarConfig({ primary: [primary.url], secondary, listen, mirror: { fraction: 1, methods: ['GET', 'POST'] }, admin: { listen: '127.0.0.1:0' }, server: { warmUp: false } });
      const sc = createSidecar(config);
      cleanup.push(() => sc.stop());
      expect(await codeOf(sc.start()), `${listen} -> ${secondary}`).toBe('ST_ERR_SAFETY_TARGET_IS_PRIMARY');
    }
    expect(hits).toBe(0);
  });

  it('answers 508 to a shadow-tagged or load-tagged request, counts it, and never reaches the primary', async () => {
    let hits = 0;
    const primary = await server((_req, res) => { hits++; res.end('primary'); });
    const sc = await sidecar({ primary: [primary.url] });
    for (const tag of ['x-shadowtwin-shadow', 'x-shadowtwin-load']) {
      const res = await request(`${sc.addresses.proxy}/a`, { method: 'POST', body: '{}', headers: { [tag]: '1' } });
      const json = (await res.body.json()) as { error: { code: string } };
      expect(res.statusCode, tag).toBe(508);
      expect(json.error.code).toBe('ST_ERR_SAFETY_LOOP_DETECTED');
    }
    expect(hits).toBe(0);
    const metrics = await (await request(`${sc.addresses.admin}/metrics`)).body.text();
    expect(metrics).toMatch(/shadowtwin_proxy_client_errors_total\{reason="loop"\} 2/);
    // Untagged requests still go through.
    expect(await (await request(`${sc.addresses.proxy}/a`)).body.text()).toBe('primary');
    // The refused copies are not the service's traffic: the window (and so a controller's live model) holds only the user's request.
    const hist = (await (await request(`${sc.addresses.admin}/histograms`)).body.json()) as { primary: Array<{ requests: number; status: Record<string, number> }> };
    expect(hist.primary.reduce((a, r) => a + r.requests, 0)).toBe(1);
    expect(hist.primary.some((r) => r.status['508'])).toBe(false);
  });

  it('a sidecar in front of a secondary (role secondary) forwards tagged traffic to its upstream', async () => {
    const seen: Array<{ load: unknown; shadow: unknown }> = [];
    const candidate = await server(async (req, res) => { seen.push({ load: req.headers['x-shadowtwin-load'], shadow: req.headers['x-shadowtwin-shadow'] }); await readBody(req); res.end('candidate'); });
    const sc = await sidecar({ primary: [candidate.url], role: 'secondary' });
    for (const tag of ['x-shadowtwin-shadow', 'x-shadowtwin-load']) {
      const res = await request(`${sc.addresses.proxy}/a`, { headers: { [tag]: '1' } });
      expect(res.statusCode, tag).toBe(200);
      expect(await res.body.text()).toBe('candidate');
    }
    expect(seen).toEqual([{ load: undefined, shadow: '1' }, { load: '1', shadow: undefined }]);
    const metrics = await (await request(`${sc.addresses.admin}/metrics`)).body.text();
    expect(metrics).not.toMatch(/shadowtwin_proxy_client_errors_total\{reason="loop"\} [1-9]/);
    expect(() => parseSidecarConfig({ primary: [candidate.url], role: 'candidate' as never })).toThrow(/role: must be primary or secondary/);
  });

  it('the generator tags every request, so load aimed at a sidecar never reaches its primary', async () => {
    let primaryHits = 0;
    const seen: unknown[] = [];
    const primary = await server(async (req, res) => { primaryHits++; await readBody(req); res.end('primary'); });
    const plain = await server(async (req, res) => { seen.push(req.headers['x-shadowtwin-load']); await readBody(req); res.end(); });
    const run = (target: string, extra: object = {}) => prepareRun(parseScenario({ target, duration: '1s', load: { executor: 'constant-rate', rate: 20 }, source: { path: '/x' }, ...extra })).then((r) => r.execute());
    await run(plain.url);
    await run(plain.url, { http: { pipelining: 2 } }); // the undici path (the raw HTTP/1.1 path needs pipelining 1)
    expect(seen.length).toBe(40);
    expect(new Set(seen)).toEqual(new Set(['1']));
    const sc = await sidecar({ primary: [primary.url] });
    const report = await run(sc.addresses.proxy);
    expect(report.summary.requests).toBe(20);
    expect(primaryHits).toBe(0);
  });
});

describe('the loop guard covers upgrades too', () => {
  const { server, sidecar } = useCleanup();

  it('a tagged websocket upgrade gets 508 and never reaches the primary', async () => {
    let upgrades = 0;
    const primary = await server((_req, res) => res.end('primary'));
    primary.server.on('upgrade', (_req, socket) => { upgrades++; socket.destroy(); });
    const sc = await sidecar({ primary: [primary.url] });
    const { connect } = await import('node:net');
    const url = new URL(sc.addresses.proxy);
    const answer = await new Promise<string>((resolve) => {
      let got = '';
      const sock = connect(Number(url.port), url.hostname, () => sock.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nx-shadowtwin-shadow: 1\r\n\r\n'));
      sock.on('data', (d) => { got += d.toString('latin1'); });
      sock.on('close', () => resolve(got));
      sock.on('error', () => undefined);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 508 /);
    expect(upgrades).toBe(0);
  });
});
