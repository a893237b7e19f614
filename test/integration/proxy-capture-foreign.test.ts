import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShadowtwinError, type RequestRecord } from '../../src/common/index.js';
import { CaptureWriter, rotatedName } from '../../src/proxy/index.js';
import { startSidecar } from '../helpers/servers.js';
import { codeOf } from '../helpers/error-code.js';

function record(i: number): RequestRecord {
  return { ts: 1_700_000_000_000 + i, durationMs: 1.5, method: 'GET', path: `/users/${i}`, route: '/users/:id', queryKeys: [], status: 200, reqBytes: 0, resBytes: 100, protocol: 'http1' };
}

describe('the capture writer never moves or deletes a file that is not a capture', () => {
  it('refuses to start on an existing file that is not a capture, and leaves it untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-foreign-'));
    const file = join(dir, 'important.txt');
    writeFileSync(file, 'my notes, not a capture\n');
    const err = await startSidecar({ primary: ['http://127.0.0.1:9'], capture: { file } }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ShadowtwinError);
    expect((err as ShadowtwinError).code).toBe('ST_ERR_CAPTURE_FILE_NOT_OURS');
    expect((err as ShadowtwinError).exitCode).toBe(2);
    expect((err as Error).message).toContain('important.txt');
    expect(readdirSync(dir)).toEqual(['important.txt']);
    expect(readFileSync(file, 'utf8')).toBe('my notes, not a capture\n');
  });

  it('moving aside a capture of another mode never deletes a foreign file at a rotated name (refuses to start instead)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-foreign-aside-'));
    const file = join(dir, 'c.ndjson');
    const hooks = { written: () => undefined, dropped: () => undefined, error: () => undefined };
    const full = new CaptureWriter({ file, mode: 'full', rotateBytes: 1 << 30, maxFiles: 2, gzip: false, queueLimit: 1000, flushInterval: 10_000, toolVersion: 't' }, hooks);
    await full.start();
    full.add(record(0));
    await full.close();
    const before = readFileSync(file, 'utf8');
    writeFileSync(rotatedName(file, 2), 'precious\n');
    const meta = new CaptureWriter({ file, mode: 'meta', rotateBytes: 1 << 30, maxFiles: 2, gzip: false, queueLimit: 1000, flushInterval: 10_000, toolVersion: 't' }, hooks);
    expect(await codeOf(meta.start())).toBe('ST_ERR_CAPTURE_FILE_NOT_OURS');
    expect(readFileSync(rotatedName(file, 2), 'utf8')).toBe('precious\n');
    expect(readFileSync(file, 'utf8')).toBe(before);
    // Without the foreign file the other-mode capture is moved aside as before.
    const ok = join(dir, 'd.ndjson');
    writeFileSync(ok, before);
    const meta2 = new CaptureWriter({ file: ok, mode: 'meta', rotateBytes: 1 << 30, maxFiles: 2, gzip: false, queueLimit: 1000, flushInterval: 10_000, toolVersion: 't' }, hooks);
    await meta2.start();
    await meta2.close();
    expect(readFileSync(rotatedName(ok, 1), 'utf8')).toBe(before);
  });

  it('rotation never deletes or overwrites a foreign file at a rotated name; records stay in the live file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-foreign-rot-'));
    const file = join(dir, 'c.ndjson');
    const errors: Error[] = [];
    const hooks = { written: () => undefined, dropped: () => undefined, error: (e: Error) => { errors.push(e); } };
    const meta = new CaptureWriter({ file, mode: 'meta', rotateBytes: 1500, maxFiles: 2, gzip: false, queueLimit: 1000, flushInterval: 10_000, toolVersion: 't' }, hooks);
    await meta.start();
    writeFileSync(rotatedName(file, 2), 'precious\n');
    for (let b = 0; b < 6; b++) {
      for (let i = 0; i < 10; i++) meta.add(record(b * 10 + i));
      await meta.flush();
    }
    await meta.close();
    expect(readFileSync(rotatedName(file, 2), 'utf8')).toBe('precious\n');
    expect(errors.map((e) => (e as ShadowtwinError).code)).toEqual(['ST_ERR_CAPTURE_FILE_NOT_OURS']);
    // Nothing was lost: the header and every record are in the live file (rotation was held back).
    expect(readFileSync(file, 'utf8').trim().split('\n').length).toBe(61);
  });
});
