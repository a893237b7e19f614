import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { parseSidecarConfig, ShadowtwinError } from '../../src/common/index.js';
import { parseScenario, prepareRun } from '../../src/generator/index.js';
import { createSidecar } from '../../src/proxy/index.js';
import { useCleanup } from '../helpers/servers.js';
import { codeOf } from '../helpers/error-code.js';

const port = (url: string): string => new URL(url).port;

describe('never the primary: resolved addresses, not strings', () => {
  const { server, sidecar } = useCleanup();

  it('generate refuses a target that is the primary under another name', async () => {
    let hits = 0;
    const primary = await server((_req, res) => { hits++; res.end('primary'); });
    for (const target of [`http://localhost:${port(primary.url)}`, `http://[::ffff:127.0.0.1]:${port(primary.url)}`, `http://0.0.0.0:${port(primary.url)}`]) {
      const scenario = parseScenario({ target, duration: '1s', load: { executor: 'constant-rate', rate: 20 }, source: { path: '/' }, primary: [primary.url] });
      expect(await codeOf(prepareRun(scenario)), target).toBe('ST_ERR_SAFETY_TARGET_IS_PRIMARY');
      const fromEnv = parseScenario({ target, duration: '1s', load: { executor: 'constant-rate', rate: 20 }, source: { path: '/' } });
      expect(await codeOf(prepareRun(fromEnv, { primary: [primary.url] })), target).toBe('ST_ERR_SAFETY_TARGET_IS_PRIMARY');
    }
    // The generator's fault injector sends only to the target, so it is refused with it.
    const withFaults = parseScenario({ target: `http://localhost:${port(primary.url)}`, duration: '1s', load: { executor: 'constant-rate', rate: 20 }, source: { path: '/' }, primary: [primary.url], faults: [{ kind: 'duplicate', percent: 100, copies: 3 }] });
    expect(await codeOf(prepareRun(withFaults))).toBe('ST_ERR_SAFETY_TARGET_IS_PRIMARY');
    expect(hits).toBe(0);
  });

  it('the sidecar refuses a secondary that is the primary under another name', async () => {
    const primary = await server((_req, res) => res.end('primary'));
    for (const secondary of [`http://localhost:${port(primary.url)}`, `http://127.0.0.7:${port(primary.url)}`]) {
      const config = parseSidecarConfig({ primary: [primary.url], secondary, mirror: { fraction: 1 }, listen: '127.0.0.1:0', admin: { listen: '127.0.0.1:0' }, server: { warmUp: false } });
      const sc = createSidecar(config);
      expect(await codeOf(sc.start()), secondary).toBe('ST_ERR_SAFETY_TARGET_IS_PRIMARY');
      await sc.stop();
    }
  });

  it('PUT /membership refuses a host that is the secondary under another name (409), and validates like the CLI', async () => {
    const primary = await server((_req, res) => res.end('primary'));
    const secondary = await server((_req, res) => res.end('secondary'));
    const sc = await sidecar({ primary: [primary.url], secondary: secondary.url, mirror: { fraction: 1 } });
    const put = async (body: string | Buffer): Promise<{ status: number; code?: string }> => {
      const res = await request(`${sc.addresses.admin}/membership`, { method: 'PUT', body });
      const json = (await res.body.json()) as { error?: { code: string } };
      return { status: res.statusCode, code: json.error?.code };
    };
    expect(await put(JSON.stringify([`http://localhost:${port(secondary.url)}`]))).toEqual({ status: 409, code: 'ST_ERR_SAFETY_TARGET_IS_PRIMARY' });
    expect(await put(JSON.stringify([`http://[::ffff:127.0.0.1]:${port(secondary.url)}`]))).toEqual({ status: 409, code: 'ST_ERR_SAFETY_TARGET_IS_PRIMARY' });
    expect(await put(JSON.stringify([`${primary.url}/api`]))).toEqual({ status: 400, code: 'ST_ERR_ADMIN_BAD_REQUEST' });
    expect(await put(JSON.stringify([`http://user:pw@127.0.0.1:${port(primary.url)}`]))).toEqual({ status: 400, code: 'ST_ERR_ADMIN_BAD_REQUEST' });
    expect(await put(Buffer.alloc(5 * 1024 * 1024, 0x20))).toEqual({ status: 413, code: 'ST_ERR_ADMIN_BODY_TOO_LARGE' });
    // Unchanged after every refusal.
    expect(sc.upstreams.origins()).toEqual([primary.url]);
  });

  it('the admin bearer scheme is case-insensitive', async () => {
    const primary = await server((_req, res) => res.end('primary'));
    const token = 'a-long-admin-token-123';
    const sc = await sidecar({ primary: [primary.url], admin: { token } });
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      expect((await request(`${sc.addresses.admin}/healthz`, { headers: { authorization: `${scheme} ${token}` } })).statusCode, scheme).toBe(200);
    }
    expect((await request(`${sc.addresses.admin}/healthz`, { headers: { authorization: `Basic ${token}` } })).statusCode).toBe(401);
  });

  it('a listen address that is not on this host says so (EADDRNOTAVAIL), not "choose a free port"', async () => {
    const primary = await server((_req, res) => res.end('primary'));
    const sc = createSidecar(parseSidecarConfig({ primary: [primary.url], listen: '192.0.2.1:0', admin: { listen: '127.0.0.1:0' }, server: { warmUp: false } }));
    const err = await sc.start().then(() => undefined, (e: ShadowtwinError) => e);
    await sc.stop();
    expect(err?.code).toBe('ST_ERR_LISTEN_FAILED');
    expect(err?.message).toMatch(/EADDRNOTAVAIL.*not an address of this host/);
    expect(err?.message).not.toMatch(/free port/);
  });
});
