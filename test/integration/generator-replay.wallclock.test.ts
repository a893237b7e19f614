import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario, prepareRun } from '../../src/generator/index.js';
import { useCleanup } from '../helpers/servers.js';

// Wall-clock test (*.wallclock.test.ts): run alone, after the rest of the suite (vitest.config.ts).
describe('generator timing against a real server (wall-clock)', () => {
  const { server } = useCleanup();

  it('replays a capture in order at a speed factor, skipping and reporting corrupt lines', async () => {
    const seen: string[] = [];
    const at: number[] = [];
    const s = await server((req, res) => { seen.push(`${req.method} ${req.url}`); at.push(performance.now()); req.resume(); req.on('end', () => res.end('ok')); });
    const dir = mkdtempSync(join(tmpdir(), 'st-replay-'));
    const file = join(dir, 'c.ndjson');
    const rec = (ts: number, method: string, path: string, extra = {}): string => JSON.stringify({ ts, durationMs: 1, method, path, route: path, queryKeys: [], status: 200, reqBytes: 0, resBytes: 1, protocol: 'http1', ...extra });
    writeFileSync(file, [
      JSON.stringify({ shadowtwin: 'capture', version: 1, created: '', mode: 'full', tool: 't' }),
      rec(1000, 'GET', '/a'), '{not json', rec(1800, 'POST', '/b', { reqBytes: 5, body: 'hello', headers: { authorization: '[REDACTED]', 'x-k': 'v' } }),
      '{"ts":"x"}', rec(2600, 'GET', '/c'),
    ].join('\n'));
    const prepared = await prepareRun(parseScenario({ target: s.url, duration: '5s', load: { executor: 'replay', speed: 2 }, source: { kind: 'replay', file } }));
    const r = await prepared.execute();
    expect(seen).toEqual(['GET /a', 'POST /b', 'GET /c']);
    // 800 ms apart in the capture, so 400 ms apart at the server at speed 2 (800 if the factor were ignored, 200 if
    // applied twice); the band is half-way to each wrong answer, wide enough for a busy machine.
    const gaps = [at[1]! - at[0]!, at[2]! - at[1]!];
    for (const g of gaps) expect(g, `server-side gaps ${gaps.map((x) => x.toFixed(0)).join(', ')} ms`).toBeGreaterThan(300);
    for (const g of gaps) expect(g, `server-side gaps ${gaps.map((x) => x.toFixed(0)).join(', ')} ms`).toBeLessThan(600);
    expect(prepared.skipped!.toJSON()).toMatchObject({ total: 2, byReason: { invalid_json: 1, missing_fields: 1 }, examples: [{ line: 3 }, { line: 5 }] });
    expect(r.summary.requests).toBe(3);
  });
});
