import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/common/index.js';
import { CaptureWriter, rotatedName } from '../../src/proxy/index.js';
import { useCleanup } from '../helpers/servers.js';
import { waitUntil } from '../helpers/wait.js';

const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n');

/** Every line but the trailing empty one parses, and the file ends on a newline. */
function lineAligned(file: string): RequestRecord[] {
  const text = readFileSync(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const all = text.slice(0, -1).split('\n').map((l) => JSON.parse(l) as RequestRecord & { shadowtwin?: string });
  expect(all[0]!.shadowtwin).toBe('capture');
  return all.slice(1);
}

describe('capture writer on a full disk, across restarts and at shutdown', () => {
  const { cleanup, server, sidecar } = useCleanup();
  const mounts: string[] = [];
  afterEach(() => {
    // Lazy: a sidecar a failed test left running may still hold the file.
    for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m]);
  });

  it('full disk: short writes are drops, the file stays line-aligned, the primary is untouched', async () => {
    // A real filesystem that fills up: a 128 KiB tmpfs (tests run as root, here and in CI).
    const dir = mkdtempSync(join(tmpdir(), 'st-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128k', 'tmpfs', dir]);
    mounts.push(dir);
    const ballast = join(dir, 'ballast');
    writeFileSync(ballast, Buffer.alloc(100 * 1024));
    const file = join(dir, 'capture.ndjson');
    const up = await server((_req, res) => res.end('ok'));
    let logs = '';
    const logger = pino({ level: 'info' }, new Writable({ write(chunk, _enc, cb) { logs += String(chunk); cb(); } }));
    const sc = await sidecar({ primary: [up.url], capture: { file, flushInterval: '10ms' } }, { logger });
    const dispatcher = new Agent({ connections: 8 });
    cleanup.push(() => dispatcher.close());
    const statuses: number[] = [];
    const drive = async (n: number, tag: string): Promise<void> => {
      await Promise.all(Array.from({ length: 8 }, async (_, w) => {
        for (let i = w; i < n; i += 8) {
          const res = await request(`${sc.addresses.proxy}/${tag}/${i}?pad=${'p'.repeat(i % 50)}`, { dispatcher });
          await res.body.dump();
          statuses.push(res.statusCode);
        }
      }));
    };
    await drive(600, 'full'); // ~150 B a record: far more than the ~28 KiB left
    // Space comes back only once every record of the full phase was written or dropped.
    const accounted = async (): Promise<number> => ((await sc.metrics.captureWritten.get()).values[0]?.value ?? 0) + (await sc.metrics.captureDropped.get()).values.reduce((a, v) => a + v.value, 0);
    await waitUntil(async () => (await accounted()) === 600, 'all 600 records of the full phase were written or dropped');
    rmSync(ballast); // space comes back
    await drive(100, 'after');
    await sc.stop();

    expect(statuses).toHaveLength(700);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const records = lineAligned(file);
    const written = (await sc.metrics.captureWritten.get()).values[0]?.value ?? 0;
    const dropped = Object.fromEntries((await sc.metrics.captureDropped.get()).values.map((v) => [v.labels.reason, v.value]));
    expect(dropped.short_write).toBeGreaterThan(0);
    expect(written).toBe(records.length);
    expect(700 - records.length).toBe(Object.values(dropped).reduce((a, b) => a + b, 0));
    // After space returned, new records were written on lines of their own.
    expect(records.filter((r) => r.path.startsWith('/after/')).length).toBe(100);
    // One clear log line for the streak, with the code and what happened.
    const lines = logs.trim().split('\n').map((l) => JSON.parse(l) as { code?: string; err?: string; msg: string });
    const diskLines = lines.filter((l) => l.code === 'ST_ERR_CAPTURE_WRITE_FAILED');
    expect(diskLines).toHaveLength(1);
    expect(diskLines[0]!.err).toMatch(/short write.*ENOSPC.*last complete line/);
  });

  it('restarting in another capture mode on the same file starts a new file; a line cut by a crash is dropped, not appended to', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-modes-'));
    const file = join(dir, 'c.ndjson');
    const hooks = { written: () => undefined, dropped: () => undefined, error: (e: Error) => { throw e; } };
    const make = (mode: 'meta' | 'full'): CaptureWriter => new CaptureWriter({ file, mode, rotateBytes: 1e9, maxFiles: 3, gzip: false, queueLimit: 1000, flushInterval: 10_000, toolVersion: 't' }, hooks);
    const rec = (i: number): RequestRecord => ({ ts: i, durationMs: 1, method: 'GET', path: `/r/${i}`, route: '/r/:id', queryKeys: [], status: 200, reqBytes: 0, resBytes: 1, protocol: 'http1' });

    const meta = make('meta');
    await meta.start();
    meta.add(rec(1));
    await meta.close();
    appendFileSync(file, '{"ts":2,"durationMs":1,"meth'); // the process died mid-line

    const metaAgain = make('meta');
    await metaAgain.start();
    metaAgain.add(rec(3));
    await metaAgain.close();
    expect(lineAligned(file).map((r) => r.ts)).toEqual([1, 3]);

    const full = make('full');
    await full.start();
    full.add({ ...rec(4), headers: { accept: '*/*' } });
    await full.close();
    expect(JSON.parse(lines(file)[0]!)).toMatchObject({ shadowtwin: 'capture', mode: 'full' });
    expect(lineAligned(file).map((r) => r.ts)).toEqual([4]);
    expect(existsSync(rotatedName(file, 1))).toBe(true);
    expect(JSON.parse(lines(rotatedName(file, 1))[0]!)).toMatchObject({ mode: 'meta' });
    expect(lineAligned(rotatedName(file, 1)).map((r) => r.ts)).toEqual([1, 3]);
  });

  it('requests cut by the drain timeout are answered and recorded', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'st-drain-')), 'c.ndjson');
    let arrived = 0;
    let onArrive: () => void = () => undefined;
    const up = await server((req, res) => {
      arrived++;
      if (req.url === '/midway') { res.writeHead(200, { 'content-type': 'text/plain' }); res.write('partial'); }
      onArrive();
      // never finishes
    });
    const sc = await sidecar({ primary: [up.url], drainTimeout: '150ms', capture: { file, flushInterval: '10ms' } });
    const both = new Promise<void>((r) => { onArrive = () => { if (arrived === 2) r(); }; });
    const waiting = request(`${sc.addresses.proxy}/waiting`).then(async (res) => ({ status: res.statusCode, body: await res.body.text() }));
    const midway = request(`${sc.addresses.proxy}/midway`).then(async (res) => ({ status: res.statusCode, body: await res.body.text().catch(() => 'cut') }));
    await both;
    await sc.stop();
    const w = await waiting;
    expect(w.status).toBe(503);
    expect(w.body).toContain('ST_ERR_PROXY_SHUTTING_DOWN');
    expect((await midway).status).toBe(200);
    const records = lineAligned(file);
    const byPath = Object.fromEntries(records.map((r) => [r.path, r]));
    expect(byPath['/waiting']).toMatchObject({ status: 503, error: 'ST_ERR_PROXY_SHUTTING_DOWN' });
    expect(byPath['/midway']).toMatchObject({ status: 200, error: 'ST_ERR_PROXY_SHUTTING_DOWN' });
  });
});
