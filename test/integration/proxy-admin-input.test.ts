import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { parseSidecarConfig, ShadowtwinError } from '../../src/common/index.js';
import { createSidecar } from '../../src/proxy/index.js';
import { useCleanup } from '../helpers/servers.js';
import { codeOf } from '../helpers/error-code.js';

describe('hostile admin and drill input', () => {
  const { server, sidecar } = useCleanup();

  it('PUT /membership refuses an accidental empty set, duplicate hosts and unknown keys; empty only when asked for', async () => {
    const a = await server((_req, res) => res.end('a'));
    const b = await server((_req, res) => res.end('b'));
    const sc = await sidecar({ primary: [a.url] });
    const put = async (body: unknown): Promise<{ status: number; code?: string; message?: string; primary?: unknown[] }> => {
      const res = await request(`${sc.addresses.admin}/membership`, { method: 'PUT', body: JSON.stringify(body) });
      const json = (await res.body.json()) as { error?: { code: string; message: string }; primary?: unknown[] };
      return { status: res.statusCode, code: json.error?.code, message: json.error?.message, primary: json.primary };
    };
    for (const body of [[], { primary: [] }, [a.url, a.url], [a.url, `${a.url}/`], { primary: [b.url], extra: 1 }, { primary: [], allowEmpty: 'yes' }]) {
      const r = await put(body);
      expect(r, JSON.stringify(body)).toMatchObject({ status: 400, code: 'ST_ERR_ADMIN_BAD_REQUEST' });
    }
    expect((await put([])).message).toMatch(/allowEmpty/);
    expect((await put([a.url, a.url])).message).toMatch(/same host/);
    expect((await put({ primary: [b.url], extra: 1 })).message).toMatch(/"extra"/);
    // Still the original member: nothing was applied.
    expect(await (await request(`${sc.addresses.proxy}/`)).body.text()).toBe('a');
    expect((await put({ primary: [b.url], allowEmpty: false })).status).toBe(200);
    expect(await (await request(`${sc.addresses.proxy}/`)).body.text()).toBe('b');
    expect(await put({ primary: [], allowEmpty: true })).toMatchObject({ status: 200, primary: [] });
    expect((await request(`${sc.addresses.proxy}/`)).statusCode).toBe(503);
  });

  it('an abort drill answers an error status: 2xx and 3xx abort headers are invalid', async () => {
    let hits = 0;
    const primary = await server((_req, res) => { hits++; res.end('primary'); });
    const sc = await sidecar({ primary: [primary.url], faults: { enabled: true, headerControl: true } });
    for (const status of ['200', '204', '302', '399']) {
      const res = await request(`${sc.addresses.proxy}/x`, { headers: { 'x-shadowtwin-fault-abort-request': status } });
      const json = (await res.body.json()) as { error: { code: string } };
      expect(res.statusCode, status).toBe(400);
      expect(json.error.code).toBe('ST_ERR_PROXY_FAULT_HEADER_INVALID');
    }
    for (const status of [400, 503, 599]) {
      const res = await request(`${sc.addresses.proxy}/x`, { headers: { 'x-shadowtwin-fault-abort-request': String(status) } });
      await res.body.dump();
      expect(res.statusCode).toBe(status);
    }
    expect(hits).toBe(0);
    expect(() => parseSidecarConfig({ primary: [primary.url], faults: { enabled: true, rules: [{ match: {}, abort: { percent: 100, status: 200 } }] } })).toThrow(ShadowtwinError);
  });

  it('a secondary that is the primary gets ST_ERR_SAFETY_TARGET_IS_PRIMARY under every spelling, 127.1 and the same URL included', async () => {
    const primary = await server((_req, res) => res.end('primary'));
    const port = new URL(primary.url).port;
    for (const secondary of [`http://127.1:${port}`, primary.url, `${primary.url}/`, `http://localhost:${port}`, `http://0x7f000001:${port}`]) {
      const sc = createSidecar(parseSidecarConfig({ primary: [primary.url], secondary, mirror: { fraction: 1 }, listen: '127.0.0.1:0', admin: { listen: '127.0.0.1:0' }, server: { warmUp: false } }));
      expect(await codeOf(sc.start()), secondary).toBe('ST_ERR_SAFETY_TARGET_IS_PRIMARY');
      await sc.stop();
    }
  });
});
