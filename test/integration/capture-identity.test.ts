import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/index.js';
import { modelSource, SessionArrivals } from '../../src/generator/index.js';
import { buildModel } from '../../src/profiler/index.js';
import { readBody, useCleanup } from '../helpers/servers.js';

describe('identity keys travel from the sidecar\'s capture through the model into synthesis', () => {
  const { server, sidecar } = useCleanup();

  it('session cookie, client header and geo header named in the capture are what the generator sends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-identity-'));
    const file = join(dir, 'capture.ndjson');
    const up = await server(async (req, res) => { await readBody(req); res.end('ok'); });
    const sc = await sidecar({ primary: [up.url], capture: { file, sessionCookie: 'sid', clientHeader: 'X-Client-Id', geoHeader: 'X-Region', flushInterval: '50ms' } });
    for (let s = 0; s < 6; s++) {
      for (let k = 0; k < 3; k++) {
        await (await request(`${sc.addresses.proxy}/items/${k}`, { headers: { cookie: `theme=dark; sid=S${s}`, 'x-client-id': `c${s}`, 'x-region': s % 2 ? 'eu' : 'us', 'user-agent': 'curl/8.5.0' } })).body.dump();
      }
    }
    await sc.stop();
    const header = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!);
    expect(header.keys).toEqual({ sessionCookie: 'sid', clientHeader: 'X-Client-Id', geoHeader: 'X-Region' });

    const { model } = await buildModel([{ file, format: 'capture' }]);
    expect(model.sessions!.identity).toEqual({ kind: 'source', cookie: 'sid' });
    expect(model.sessions!.count).toBe(6);
    expect(model.clients.header).toBe('x-client-id');
    expect(model.geoHeader).toBe('x-region');

    let i = 0;
    const arrivals = new SessionArrivals(model, { next: () => (i < 4 ? i++ * 10 : undefined) }, 1e9, seededRandom(1));
    const src = modelSource(model, 3, { sessions: arrivals });
    arrivals.next();
    const h = src.next(0).headers;
    expect(h.cookie).toMatch(/^sid=s[0-9a-f]{16}$/);
    expect(h['x-client-id']).toMatch(/^client-\d+$/);
    expect(h['x-forwarded-for']).toBeUndefined();
    expect(['eu', 'us']).toContain(h['x-region']);
    expect(h['user-agent']).toBe('curl/8.11.0');
  });
});
