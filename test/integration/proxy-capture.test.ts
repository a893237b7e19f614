import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/common/index.js';
import { CaptureWriter, rotatedName } from '../../src/proxy/index.js';
import { readBody, startSidecar, useCleanup } from '../helpers/servers.js';

const SECRETS = ['Bearer sk-live-123456', 'sid=SESSION-SECRET', 'hunter2-password', '4111111111111111', 'APIKEY-999', 'custom-secret-xyz'];

describe('sidecar capture', () => {
  const { server, sidecar } = useCleanup();

  it('writes one record per request with the documented fields, and no secret reaches the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-capture-'));
    const file = join(dir, 'capture.ndjson');
    const up = await server(async (req, res) => {
      await readBody(req);
      res.writeHead(req.url!.startsWith('/missing') ? 404 : 200, { 'content-type': 'application/json', 'set-cookie': 'sid=SESSION-SECRET' });
      res.end('{"ok":true}');
    });
    const sc = await sidecar({
      primary: [up.url],
      capture: { file, mode: 'full', redactHeaders: ['x-custom-token'], redactBodyFields: ['password', 'card'], sessionCookie: 'sid', geoHeader: 'x-geo', flushInterval: '50ms' },
    });
    const p = sc.addresses.proxy;
    await (await request(`${p}/users/42?expand=1&token=abc`, {
      headers: { authorization: 'Bearer sk-live-123456', cookie: 'theme=dark; sid=SESSION-SECRET', 'x-api-key': 'APIKEY-999', 'x-custom-token': 'custom-secret-xyz', 'user-agent': 'Mozilla/5.0 Firefox/120.0', 'x-geo': 'DE' },
    })).body.dump();
    await (await request(`${p}/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'ann', password: 'hunter2-password', payment: { card: '4111111111111111' } }),
    })).body.dump();
    await (await request(`${p}/missing/3`)).body.dump();
    await sc.stop();

    const text = readFileSync(file, 'utf8');
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(text).not.toContain('token=abc');
    const [header, ...records] = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(header).toMatchObject({ shadowtwin: 'capture', version: 1, mode: 'full' });
    expect(records).toHaveLength(3);
    const [get, post, missing] = records as RequestRecord[];
    expect(get).toMatchObject({ method: 'GET', path: '/users/42', route: '/users/:id', queryKeys: ['expand', 'token'], status: 200, reqBytes: 0, resBytes: 11, userAgent: 'firefox', geo: 'DE', protocol: 'http1' });
    expect(get!.session).toMatch(/^[0-9a-f]{16}$/);
    expect(get!.client).toMatch(/^[0-9a-f]{16}$/);
    expect(get!.headers!.authorization).toBe('[REDACTED]');
    expect(get!.headers!['x-custom-token']).toBe('[REDACTED]');
    expect(get!.durationMs).toBeGreaterThan(0);
    expect(post).toMatchObject({ method: 'POST', route: '/login', contentType: 'application/json', status: 200 });
    expect(JSON.parse(post!.body!)).toEqual({ user: 'ann', password: '[REDACTED]', payment: { card: '[REDACTED]' } });
    expect(post!.reqBytes).toBeGreaterThan(50);
    expect(missing).toMatchObject({ route: '/missing/:id', status: 404 });
  });

  it('rotates by size, every file starting with the header; gzip files decompress', async () => {
    for (const gzip of [false, true]) {
      const dir = mkdtempSync(join(tmpdir(), 'st-rotate-'));
      const file = join(dir, gzip ? 'c.ndjson.gz' : 'c.ndjson');
      const w = new CaptureWriter({ file, mode: 'meta', rotateBytes: gzip ? 100 : 2000, maxFiles: 3, gzip, queueLimit: 10_000, flushInterval: 10_000, toolVersion: 't' }, { written: () => undefined, dropped: () => undefined, error: (e) => { throw e; } });
      await w.start();
      for (let batch = 0; batch < 6; batch++) {
        for (let i = 0; i < 20; i++) w.add(record(batch * 20 + i));
        await w.flush();
      }
      await w.close();
      // maxFiles 3: the live file plus at most three rotated ones, the oldest deleted.
      const files = readdirSync(dir).sort();
      expect(files).toEqual(gzip
        ? ['c.ndjson.1.gz', 'c.ndjson.2.gz', 'c.ndjson.3.gz', 'c.ndjson.gz']
        : ['c.ndjson', 'c.ndjson.1', 'c.ndjson.2', 'c.ndjson.3']);
      for (const f of [file, rotatedName(file, 1), rotatedName(file, 3)]) {
        const raw = readFileSync(f);
        const lines = (gzip ? gunzipSync(raw) : raw).toString().trim().split('\n');
        expect(JSON.parse(lines[0]!).shadowtwin).toBe('capture');
      }
    }
  });

  it('drops and counts records instead of blocking when the writer cannot keep up or fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-drop-'));
    const dropped: Record<string, number> = {};
    const errors: Error[] = [];
    const w = new CaptureWriter({ file: join(dir, 'c.ndjson'), mode: 'meta', rotateBytes: 1e9, maxFiles: 1, gzip: false, queueLimit: 100, flushInterval: 10_000, toolVersion: 't' }, {
      written: () => undefined, dropped: (r, n) => { dropped[r] = (dropped[r] ?? 0) + n; }, error: (e) => errors.push(e),
    });
    await w.start();
    for (let i = 0; i < 250; i++) w.add(record(i));
    expect(dropped.queue_full).toBe(150);
    await w.flush();
    // The disk fills up mid-run: /dev/full answers every write with ENOSPC, even for root.
    // (Swapping the path in is the only way to make a real write fail deterministically here.)
    await (w as unknown as { handle?: { close(): Promise<void> } }).handle?.close();
    (w as unknown as { handle?: unknown }).handle = undefined;
    (w as unknown as { opts: { file: string } }).opts.file = '/dev/full';
    for (let i = 0; i < 10; i++) w.add(record(i));
    await w.flush();
    for (let i = 0; i < 10; i++) w.add(record(i));
    await w.flush();
    expect(dropped.write_error).toBe(20);
    expect(errors).toHaveLength(1); // one report per failure streak, not per batch
    expect(errors[0]!.message).toMatch(/ENOSPC/);
    await w.close();
  });

  it('fails fast with a clear error when the capture path cannot be opened', async () => {
    const up = await server((_req, res) => res.end());
    await expect(startSidecar({ primary: [up.url], capture: { file: '/etc/hostname/not-a-dir/c.ndjson' } })).rejects.toMatchObject({ code: 'ST_ERR_CAPTURE_WRITE_FAILED' });
  });
});

function record(i: number): RequestRecord {
  return { ts: 1_700_000_000_000 + i, durationMs: 1.5, method: 'GET', path: `/users/${i}`, route: '/users/:id', queryKeys: [], status: 200, reqBytes: 0, resBytes: 100, protocol: 'http1' };
}
