import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { parseSidecarConfig, ShadowtwinError, type ConfigIssue } from '../../src/common/index.js';
import { useCleanup } from '../helpers/servers.js';

function issuesOf(input: unknown): ConfigIssue[] {
  try {
    parseSidecarConfig(input);
  } catch (err) {
    return (err as ShadowtwinError).details as ConfigIssue[];
  }
  return [];
}

describe('values that must be refused', () => {
  const { server, sidecar } = useCleanup();

  it('fault-control headers out of bounds answer 400 and reach nothing', async () => {
    let hits = 0;
    const up = await server((_req, res) => { hits++; res.end('ok'); });
    const sc = await sidecar({ primary: [up.url], faults: { enabled: true, headerControl: true } });
    const bad: Array<Record<string, string>> = [
      { 'x-shadowtwin-fault-delay-request': String(27 * 3600 * 1000) },
      { 'x-shadowtwin-fault-delay-request': '-5' },
      { 'x-shadowtwin-fault-abort-request': 'abc' },
      { 'x-shadowtwin-fault-abort-request': '700' },
      { 'x-shadowtwin-fault-abort-request': '503.5' },
      { 'x-shadowtwin-fault-abort-request': '' },
      { 'x-shadowtwin-fault-abort-request': '503', 'x-shadowtwin-fault-abort-request-percentage': '150' },
      { 'x-shadowtwin-fault-throughput-response': '0' },
      { 'x-shadowtwin-fault-delay-request': '1e3' },
    ];
    for (const headers of bad) {
      const res = await request(`${sc.addresses.proxy}/x`, { headers });
      const body = (await res.body.json()) as { error: { code: string; message: string } };
      expect(res.statusCode, JSON.stringify(headers)).toBe(400);
      expect(body.error.code).toBe('ST_ERR_PROXY_FAULT_HEADER_INVALID');
      expect(body.error.message).toMatch(/x-shadowtwin-fault-/);
    }
    expect(hits).toBe(0);
    // In-bounds values still work.
    const ok = await request(`${sc.addresses.proxy}/x`, { headers: { 'x-shadowtwin-fault-abort-request': '418' } });
    await ok.body.dump();
    expect(ok.statusCode).toBe(418);
  });

  it('every timer has schema bounds: 0 where it would spin, hours where it would hold', () => {
    const base = { primary: ['http://127.0.0.1:8080'] };
    const paths = (input: unknown): string[] => issuesOf(input).map((i) => i.path);
    expect(paths({ ...base, capture: { window: 0 } })).toEqual(['capture.window']);
    expect(paths({ ...base, capture: { flushInterval: 0 } })).toEqual(['capture.flushInterval']);
    expect(paths({ ...base, upstream: { connectTimeout: 0, keepAliveTimeout: '2h', ejection: { baseTime: 0 } } }).sort()).toEqual(['upstream.connectTimeout', 'upstream.ejection.baseTime', 'upstream.keepAliveTimeout']);
    expect(paths({ ...base, server: { headersTimeout: 0 }, mirror: { timeout: '1d', breakerBase: 0 }, drainTimeout: '2h' }).sort()).toEqual(['drainTimeout', 'mirror.breakerBase', 'mirror.timeout', 'server.headersTimeout']);
    expect(paths({ ...base, faults: { rules: [{ delay: { percent: 10, fixed: '27h' } }] } })).toEqual(['faults.rules[0].delay.fixed']);
    expect(paths({ ...base, upstream: { responseTimeout: -1 } })).toEqual(['upstream.responseTimeout']);
    // 0 means "off" where the doc says so, and the defaults are valid.
    expect(paths({ ...base, upstream: { responseTimeout: 0, bodyTimeout: 0 }, server: { requestTimeout: 0 } })).toEqual([]);
    expect(issuesOf({ ...base, capture: { window: 0 } })[0]!.message).toMatch(/100ms to 1h/);
  });
});
