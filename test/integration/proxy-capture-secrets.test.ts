import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/common/index.js';
import { readBody, useCleanup } from '../helpers/servers.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLXBhcnQ';

describe('full capture never keeps secrets from paths or nested bodies', () => {
  const { server, sidecar } = useCleanup();

  it('redacts path secrets and path parameters in records and route labels, and nested JSON in bodies', async () => {
    const seen: string[] = [];
    const primary = await server(async (req, res) => { seen.push(req.url!); await readBody(req); res.end('ok'); });
    const sc = await sidecar({ primary: [primary.url], capture: { mode: 'full' } });
    const records: RequestRecord[] = [];
    sc.on('record', (r: RequestRecord) => records.push(r));
    for (const path of [`/reset/${JWT}`, '/api/keys/sk_live_4eC39HqLyjWDarjtT1zdp7dc', '/login;jsessionid=ABC123']) {
      await (await request(`${sc.addresses.proxy}${path}`)).body.dump();
    }
    await (await request(`${sc.addresses.proxy}/f`, { method: 'POST', body: JSON.stringify({ data: '{"password":"X"}', db: 'postgres://u:PW@db/x' }), headers: { 'content-type': 'application/json' } })).body.dump();
    expect(seen).toContain('/login;jsessionid=ABC123'); // forwarded unchanged
    const text = JSON.stringify(records);
    for (const secret of [JWT, 'sk_live_4eC39', 'jsessionid', 'ABC123', '"X"', 'PW@']) expect(text, secret).not.toContain(secret);
    expect(records.map((r) => r.path)).toEqual(['/reset/[REDACTED]', '/api/keys/[REDACTED]', '/login', '/f']);
    expect(records[2]!.route).toBe('/login');
    const metrics = await (await request(`${sc.addresses.admin}/metrics`)).body.text();
    expect(metrics).not.toContain('jsessionid');
  });
});
