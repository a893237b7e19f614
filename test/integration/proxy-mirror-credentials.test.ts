import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { parseSidecarConfig } from '../../src/common/index.js';
import { useCleanup } from '../helpers/servers.js';

describe('shadow copies do not carry proxy-hop credentials (nor user credentials when asked)', () => {
  const { server, sidecar } = useCleanup();

  async function mirrorOnce(mirror: Record<string, unknown>): Promise<{ primary: Record<string, unknown>; shadow: Record<string, unknown> }> {
    let primary: Record<string, unknown> = {};
    let resolveShadow!: (h: Record<string, unknown>) => void;
    const shadowSeen = new Promise<Record<string, unknown>>((r) => { resolveShadow = r; });
    const p = await server((req, res) => { primary = req.headers; res.end('p'); });
    const s = await server((req, res) => { resolveShadow(req.headers); res.end('s'); });
    const sc = await sidecar({ primary: [p.url], secondary: s.url, mirror: { fraction: 1, ...mirror } });
    await (await request(`${sc.addresses.proxy}/a`, {
      headers: { 'proxy-authorization': 'Basic cHJveHk6cHc=', authorization: 'Bearer user-token', cookie: 'sid=abc', 'x-tenant-secret': 't', accept: 'text/plain' },
    })).body.dump();
    return { primary, shadow: await shadowSeen };
  }

  it('always strips Proxy-Authorization from the shadow copy; the primary request is unchanged', async () => {
    const { primary, shadow } = await mirrorOnce({});
    expect(shadow['proxy-authorization']).toBeUndefined();
    expect(shadow.authorization).toBe('Bearer user-token');
    expect(shadow.accept).toBe('text/plain');
    expect(shadow['x-shadowtwin-shadow']).toBe('1');
    expect(primary.authorization).toBe('Bearer user-token');
  });

  it('mirror.stripCredentials drops Authorization and Cookie; mirror.stripHeaders drops named headers', async () => {
    const { primary, shadow } = await mirrorOnce({ stripCredentials: true, stripHeaders: ['X-Tenant-Secret'] });
    for (const h of ['proxy-authorization', 'authorization', 'cookie', 'x-tenant-secret']) expect(shadow[h], h).toBeUndefined();
    expect(shadow.accept).toBe('text/plain');
    expect(primary.cookie).toBe('sid=abc');
    expect(() => parseSidecarConfig({ primary: ['http://127.0.0.1:1'], mirror: { stripHeaders: ['bad header'] } })).toThrow(/stripHeaders/);
  });
});
