import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/common/index.js';
import { CaptureWriter, rotatedName } from '../../src/proxy/index.js';
import { readBody, startSidecar, useCleanup } from '../helpers/servers.js';

const SECRETS = ['Bearer sk-live-123456', 'sid=SESSION-SECRET', 'hunter2-password', '4111111111111111', 'APIKEY-999', 'custom-secret-xyz'];

describe('sidecar capture', () => {
  const { cleanup, server, sidecar } = useCleanup();

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

  it('a real sidecar whose capture queue is full drops and counts records, and every primary response is still 200', async () => {
    // The full or failing disk is proxy-capture-disk.test.ts (a real tmpfs); this is the writer that cannot keep up.
    const up = await server((_req, res) => res.end('ok'));
    const dispatcher = new Agent({ connections: 8 });
    cleanup.push(() => dispatcher.close());
    const run = async (capture: { queueLimit: number; flushInterval: string }, n: number): Promise<{ statuses: number[]; records: number; written: number; dropped: Record<string, number> }> => {
      const file = join(mkdtempSync(join(tmpdir(), 'st-queue-')), 'c.ndjson');
      const sc = await startSidecar({ primary: [up.url], capture: { file, ...capture } });
      const statuses: number[] = [];
      await Promise.all(Array.from({ length: 8 }, async (_, w) => {
        for (let i = w; i < n; i += 8) {
          const res = await request(`${sc.addresses.proxy}/users/${i}`, { dispatcher });
          await res.body.dump();
          statuses.push(res.statusCode);
        }
      }));
      await sc.stop(); // flushes what is queued
      const [, ...records] = readFileSync(file, 'utf8').trim().split('\n');
      return {
        statuses,
        records: records.length,
        written: (await sc.metrics.captureWritten.get()).values[0]?.value ?? 0,
        dropped: Object.fromEntries((await sc.metrics.captureDropped.get()).values.map((v) => [v.labels.reason, v.value])),
      };
    };
    // Never flushed during the run: exactly the queue's worth survives.
    const stuck = await run({ queueLimit: 16, flushInterval: '1m' }, 200);
    expect(stuck.statuses).toEqual(Array(200).fill(200));
    expect(stuck.records).toBe(16);
    expect(stuck.written).toBe(16);
    expect(stuck.dropped).toEqual({ queue_full: 184 });
    // Flushed every 10 ms, but 8 clients outrun a 4-record queue: what is missing from the file is what was counted.
    const slow = await run({ queueLimit: 4, flushInterval: '10ms' }, 400);
    expect(slow.statuses).toEqual(Array(400).fill(200));
    expect(slow.records).toBeGreaterThan(4); // the timer did flush during the run
    expect(slow.written).toBe(slow.records);
    expect(Object.keys(slow.dropped)).toEqual(['queue_full']);
    expect(slow.dropped.queue_full).toBe(400 - slow.records);
  });

  it('fails fast with a clear error when the capture path cannot be opened', async () => {
    const up = await server((_req, res) => res.end());
    await expect(startSidecar({ primary: [up.url], capture: { file: '/etc/hostname/not-a-dir/c.ndjson' } })).rejects.toMatchObject({ code: 'ST_ERR_CAPTURE_WRITE_FAILED' });
  });
});

function record(i: number): RequestRecord {
  return { ts: 1_700_000_000_000 + i, durationMs: 1.5, method: 'GET', path: `/users/${i}`, route: '/users/:id', queryKeys: [], status: 200, reqBytes: 0, resBytes: 100, protocol: 'http1' };
}
