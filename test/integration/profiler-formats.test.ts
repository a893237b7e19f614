import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeHistogram, summarizeMs } from '../../src/common/index.js';
import { buildModel, GOR_SEPARATOR } from '../../src/profiler/index.js';

describe('profiler inputs from real files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-formats-'));

  it('builds a model from a gzipped GoReplay recording (requests only, responses skipped)', async () => {
    const payloads: string[] = [];
    for (let i = 0; i < 40; i++) {
      const ts = BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n + BigInt(i) * 500_000_000n;
      const post = i % 4 === 0;
      payloads.push(`1 r${i} ${ts} 0\n${post ? 'POST /orders' : `GET /orders/${1000 + i}`} HTTP/1.1\r\nHost: shop\r\nUser-Agent: okhttp/4.12\r\nX-Forwarded-For: 10.0.0.${i % 5}\r\n${post ? 'Content-Type: application/json\r\n' : ''}\r\n${post ? '{"sku":"a-1","qty":2}' : ''}`);
      payloads.push(`2 r${i} ${ts + 3_000_000n} 3000000\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok`);
    }
    payloads.push('1 broken header-only');
    const file = join(dir, 'rec.gor.gz');
    writeFileSync(file, gzipSync(payloads.join(GOR_SEPARATOR) + GOR_SEPARATOR));
    const { model, skips } = await buildModel([{ file, format: 'gor' }]);
    expect(model.provenance.records).toBe(40);
    expect(skips[0]!.total).toBe(1);
    expect(Object.fromEntries(model.routes.map((r) => [`${r.method} ${r.route}`, r.requests]))).toEqual({ 'GET /orders/:id': 30, 'POST /orders': 10 });
    expect(model.routes.find((r) => r.method === 'POST')!.contentTypes).toEqual({ 'application/json': 10 });
    expect(model.sessions!.count).toBe(5); // five clients, 0.5 s apart: one session each
  });

  it('builds a model from nginx JSON logs, using their latency and request sizes', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({
      time_iso8601: new Date(Date.UTC(2026, 0, 1, 12) + i * 1000).toISOString(), request_method: 'GET', request_uri: `/api/items/${i % 50}?page=${i % 3}`,
      status: i % 30 === 0 ? '502' : '200', body_bytes_sent: String(1000 + i), request_length: '320', request_time: (0.01 + (i % 10) / 1000).toFixed(3),
      remote_addr: `192.0.2.${i % 7}`, http_user_agent: 'Mozilla/5.0 Chrome/120.0',
    }));
    lines.splice(100, 0, 'not json at all');
    const file = join(dir, 'access.json.log');
    writeFileSync(file, lines.join('\n'));
    const { model, skips } = await buildModel([{ file, format: 'nginx-json' }]);
    expect(model.provenance.records).toBe(300);
    expect(skips[0]!.examples[0]).toMatchObject({ line: 101, reason: 'invalid_json' });
    const r = model.routes[0]!;
    expect(`${r.method} ${r.route}`).toBe('GET /api/items/:id');
    expect(r.status).toEqual({ 200: 290, 502: 10 });
    // request_time 0.010 … 0.019 s, 30 of each: the decoded histogram holds exactly those (µs, 3 significant digits).
    const lat = summarizeMs(decodeHistogram(r.latency!));
    expect(lat.count).toBe(300);
    expect(lat.p50).toBeCloseTo(14, 1);
    expect(lat.max).toBeCloseTo(19, 1);
    expect(lat.mean).toBeCloseTo(14.5, 1);
    expect(r.queryKeySets).toEqual({ page: 300 });
    expect(model.userAgents).toEqual({ chrome: 300 });
  });
});
