/**
 * Hostile bytes on the sidecar's data port: valid requests with random
 * damage (cut, noise, doubled spans), raw noise, pipelined pairs. For every
 * case the client gets an HTTP response or a closed connection, never a
 * hang; whatever reaches the primary is an origin-form request with a known
 * method; the capture file stays one JSON record per line; and the sidecar
 * still serves a clean request at the end.
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { useCleanup } from '../helpers/servers.js';

const dir = mkdtempSync(join(tmpdir(), 'st-heads-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CASES = Number(process.env.FUZZ_HEAD_CASES ?? 160);

const VALID = [
  'GET /items/1?x=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: t\r\n\r\n',
  'POST /orders HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"password":1}',
  'PUT /blob HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
  'DELETE /items/2 HTTP/1.0\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET http://a/abs HTTP/1.1\r\nHost: a\r\n\r\n',
];

function damaged(): fc.Arbitrary<Buffer> {
  return fc.tuple(fc.constantFrom(...VALID), fc.nat(), fc.nat(), fc.uint8Array({ maxLength: 24 }), fc.constantFrom('cut', 'noise', 'dup', 'insert')).map(([v, a, b, noise, op]) => {
    const s = Buffer.from(v, 'latin1');
    const i = a % (s.length + 1);
    const j = Math.min(s.length, i + (b % 40));
    if (op === 'cut') return s.subarray(0, i);
    if (op === 'noise') return Buffer.concat([s.subarray(0, i), Buffer.from(noise), s.subarray(j)]);
    if (op === 'insert') return Buffer.concat([s.subarray(0, i), Buffer.from(noise), s.subarray(i)]);
    return Buffer.concat([s.subarray(0, j), s.subarray(i)]);
  });
}

/** Writes the bytes, half-closes, and collects the answer until the sidecar closes (or 5 s). */
function exchange(port: number, bytes: Buffer): Promise<{ answer: Buffer; hung: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect(port, '127.0.0.1');
    const timer = setTimeout(() => { s.destroy(); resolve({ answer: Buffer.concat(chunks), hung: true }); }, 5000);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => undefined);
    s.on('close', () => { clearTimeout(timer); resolve({ answer: Buffer.concat(chunks), hung: false }); });
    s.end(bytes);
  });
}

describe('hostile request heads on the data port', () => {
  const { server, sidecar } = useCleanup();

  it('answers or closes every case, forwards only well-formed origin-form requests, keeps the capture line-aligned', async () => {
    const seen: Array<{ method: string; url: string }> = [];
    const up = await server((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '' });
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    const capture = join(dir, 'capture.ndjson');
    const sc = await sidecar({
      primary: [up.url],
      capture: { file: capture, mode: 'full' },
      server: { headersTimeout: '2s', requestTimeout: '3s' },
    });
    const port = Number(new URL(sc.addresses.proxy).port);
    const inputs = [
      ...fc.sample(damaged(), { seed: 7, numRuns: CASES }),
      ...fc.sample(fc.uint8Array({ minLength: 1, maxLength: 200 }).map((u) => Buffer.from(u)), { seed: 8, numRuns: 20 }),
    ];
    for (let i = 0; i < inputs.length; i += 8) {
      const batch = inputs.slice(i, i + 8);
      const results = await Promise.all(batch.map((b) => exchange(port, b)));
      results.forEach(({ answer, hung }, k) => {
        const context = JSON.stringify(batch[k]!.toString('latin1'));
        expect(hung, `no answer and no close for ${context}`).toBe(false);
        if (answer.length > 0) expect(answer.toString('latin1'), context).toMatch(/^HTTP\/1\.[01] [1-5]\d\d /);
      });
    }
    const clean = await request(`${sc.addresses.proxy}/after`);
    expect(clean.statusCode).toBe(200);
    expect(await clean.body.text()).toBe('ok');
    for (const r of seen) {
      expect(['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH'], JSON.stringify(r)).toContain(r.method);
      expect(r.url, JSON.stringify(r)).toMatch(/^\/|^\*$/);
    }
    await sc.stop();
    const lines = readFileSync(capture, 'utf8').split('\n').filter(Boolean);
    for (const l of lines) expect(() => JSON.parse(l), l).not.toThrow();
    expect(readFileSync(capture, 'utf8')).not.toContain('"password":1');
  }, 120_000);
});
