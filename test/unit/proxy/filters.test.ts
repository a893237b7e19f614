import { describe, expect, it } from 'vitest';
import { parseSidecarConfig } from '../../../src/common/index.js';
import { FaultFilter, MirrorPolicy, forwardableRequestHeaders, forwardableResponseHeaders } from '../../../src/proxy/index.js';

const base = { primary: ['http://127.0.0.1:1'] };

/** Deterministic [0,1) sequence (Park–Miller) so percentages give exact counts. */
function seeded(seed = 42): () => number {
  let s = seed;
  return () => ((s = (s * 16807) % 2147483647) - 1) / 2147483646;
}

describe('hop-by-hop filtering', () => {
  it('drops hop-by-hop, connection-listed and fault-control headers; keeps the rest in order', () => {
    const out = forwardableRequestHeaders([
      'Host', 'a', 'Connection', 'keep-alive, X-Hop', 'X-Hop', '1', 'Keep-Alive', 'timeout=5', 'Transfer-Encoding', 'chunked',
      'TE', 'trailers', 'Expect', '100-continue', 'x-shadowtwin-fault-abort-request', '500', 'Accept', '*/*', 'Cookie', 'c=1',
    ]);
    expect(out).toEqual(['Host', 'a', 'Accept', '*/*', 'Cookie', 'c=1']);
  });
  it('converts response raw headers and drops hop-by-hop ones', () => {
    const raw = ['Content-Type', 'text/plain', 'Connection', 'keep-alive', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Transfer-Encoding', 'chunked'].map((s) => Buffer.from(s));
    expect(forwardableResponseHeaders(raw)).toEqual(['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
  });
});

describe('mirror policy', () => {
  it('mirrors only allowed methods, never a shadow request, and samples by fraction', () => {
    const cfg = parseSidecarConfig({ ...base, secondary: 'http://127.0.0.1:2', mirror: { fraction: 0.25 } });
    const p = new MirrorPolicy(cfg.mirror, seeded());
    expect(p.decide('POST', {})).toBe('method');
    expect(p.decide('GET', { 'x-shadowtwin-shadow': '1' })).toBe('loop');
    let mirrored = 0;
    for (let i = 0; i < 10_000; i++) if (p.decide('GET', {}) === undefined) mirrored++;
    expect(mirrored).toBeGreaterThan(2300);
    expect(mirrored).toBeLessThan(2700);
  });
  it('caps shadow requests with a token bucket', async () => {
    const cfg = parseSidecarConfig({ ...base, secondary: 'http://127.0.0.1:2', mirror: { fraction: 1, maxRate: 10 } });
    const p = new MirrorPolicy(cfg.mirror);
    const first = Array.from({ length: 30 }, () => p.decide('GET', {}));
    expect(first.filter((d) => d === undefined)).toHaveLength(10);
    expect(first.filter((d) => d === 'rate_limited')).toHaveLength(20);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 220));
    const later = Array.from({ length: 12 }, () => p.decide('GET', {})).filter((d) => d === undefined).length;
    // 10 tokens a second refill while we waited (however long a busy machine made that), up to the burst of 10.
    const refilled = Math.min(10, ((performance.now() - t0) / 1000) * 10);
    expect(later).toBeGreaterThanOrEqual(Math.floor(refilled) - 1);
    expect(later).toBeLessThanOrEqual(Math.ceil(refilled) + 1);
  });
  it('tags shadow copies and rewrites Host when asked', () => {
    const cfg = parseSidecarConfig({ ...base, secondary: 'http://127.0.0.1:2', mirror: { fraction: 1, shadowHost: true } });
    expect(new MirrorPolicy(cfg.mirror).shadowHeaders(['host', 'api.example.com:8080', 'accept', '*/*']))
      .toEqual(['host', 'api.example.com-shadow:8080', 'accept', '*/*', 'x-shadowtwin-shadow', '1']);
  });
});

describe('fault filter', () => {
  const rules = parseSidecarConfig({
    ...base,
    faults: {
      enabled: true, maxActiveFaults: 3,
      rules: [
        { match: { routes: ['/pay/:id'], headers: { 'x-canary': '*' } }, abort: { percent: 50, status: 503 } },
        { match: { methods: ['GET'], routes: ['/slow*'] }, delay: { percent: 100, fixed: '100ms', jitter: '20ms' } },
      ],
    },
  }).faults;

  it('matches by route, header presence and method; the first matching rule applies', () => {
    const f = new FaultFilter(rules, seeded());
    expect(f.decide('/pay/:id', 'POST', '/pay/1', {})).toBeUndefined(); // header missing
    let aborts = 0;
    for (let i = 0; i < 2000; i++) if (f.decide('/pay/:id', 'POST', '/pay/1', { 'x-canary': 'yes' })?.abortStatus === 503) aborts++;
    expect(aborts).toBeGreaterThan(900);
    expect(aborts).toBeLessThan(1100);
    expect(f.decide('/slow/:id', 'POST', '/slow/1', {})).toBeUndefined();
    const d = f.decide('/slowish', 'GET', '/slowish', {})!;
    expect(d.delayMs).toBeGreaterThanOrEqual(100);
    expect(d.delayMs).toBeLessThan(120);
    expect(d.label).toBe('delay');
  });

  it('counts active holding faults against maxActiveFaults and frees them on release', () => {
    const skipped: number[] = [];
    const f = new FaultFilter(rules, seeded(), () => skipped.push(1));
    const held = Array.from({ length: 5 }, () => f.decide('/slow', 'GET', '/slow', {}));
    expect(held.filter(Boolean)).toHaveLength(3);
    expect(skipped).toHaveLength(2);
    f.release(held[0]!);
    f.release(held[0]!); // double release is harmless
    expect(f.active).toBe(2);
    // A slot is free again: the next request is held like the first three (100 ms ± 20 ms), a sixth is not.
    const again = f.decide('/slow', 'GET', '/slow', {});
    expect(again?.label).toBe('delay');
    expect(again!.delayMs).toBeGreaterThanOrEqual(80);
    expect(again!.delayMs).toBeLessThanOrEqual(120);
    expect(f.decide('/slow', 'GET', '/slow', {})).toBeUndefined();
  });

  it('reads Envoy-style control headers only when header control is on', () => {
    const h = { 'x-shadowtwin-fault-abort-request': '429', 'x-shadowtwin-fault-throughput-response': '8' };
    expect(new FaultFilter({ ...rules, rules: [] }, seeded()).decide('/a', 'GET', '/a', h)).toBeUndefined();
    const d = new FaultFilter({ ...rules, rules: [], headerControl: true }, seeded()).decide('/a', 'GET', '/a', h)!;
    expect(d).toMatchObject({ abortStatus: 429, rateLimitBytesPerSec: 8192, label: 'abort+rate_limit' });
  });
});
