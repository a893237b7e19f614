import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeSkips, forecastSeries, pointsPerSecond, readSeriesCsv, seriesFromCapture, seriesFromModel } from '../../../src/forecast/index.js';
import type { RequestModel } from '../../../src/profiler/index.js';

const dir = mkdtempSync(join(tmpdir(), 'st-csv-'));
const csv = (name: string, body: string): string => {
  const f = join(dir, name);
  writeFileSync(f, 'timestamp,value\n' + body);
  return f;
};
const rows = (n: number, v = 100, from = Date.UTC(2026, 0, 1)): string => Array.from({ length: n }, (_, i) => `${new Date(from + i * 300_000).toISOString()},${v}`).join('\n') + '\n';

describe('rate CSV input', () => {
  it('keeps the first of two rows for one time (not their sum) and reports the second with its line', () => {
    const { series, skips } = readSeriesCsv(csv('dup.csv', rows(3) + `${new Date(Date.UTC(2026, 0, 1) + 300_000).toISOString()},100\n`));
    expect(series.values).toEqual([100, 100, 100]);
    expect(skips.byReason).toEqual({ duplicate_time: 1 });
    expect(skips.examples[0]!.line).toBe(5);
  });

  it('clamps negative values to 0 and skips 1e300 and unparsable values, counted with line numbers', () => {
    const { series, skips } = readSeriesCsv(csv('bad.csv', rows(4) + `${new Date(Date.UTC(2026, 0, 1) + 4 * 300_000).toISOString()},-5\n${new Date(Date.UTC(2026, 0, 1) + 5 * 300_000).toISOString()},1e300\n2026-01-01 00:30:00,lots\n`));
    expect(series.values).toEqual([100, 100, 100, 100, 0]);
    expect(skips.byReason).toEqual({ negative: 1, bad_value: 2 });
    expect(describeSkips(skips)).toBe('1 negative (line 6), 2 bad_value (lines 7, 8)');
  });

  it('skips rows far in the future (or past) as bad_time: memory follows the rows, not the time span', () => {
    const f = csv('far.csv', rows(50) + '2199-12-31 00:00:00,100\n9999-01-01 00:00:00,100\n1970-01-01 00:00:01,5\n2031-06-01 00:00:00,7\n');
    const { series, skips } = readSeriesCsv(f);
    expect(series.values).toHaveLength(50);
    expect(skips.byReason).toEqual({ bad_time: 4 });
    expect(skips.examples.map((e) => e.line).sort((a, b) => a - b)).toEqual([52, 53, 54, 55]);
  });

  it('refuses a file with no usable rows with ST_ERR_INPUT_FORMAT, naming what was skipped', () => {
    let err: unknown;
    try { readSeriesCsv(csv('none.csv', '2026-01-01 00:00:00,-1\nyesterday,4\n')); } catch (e) { err = e; }
    expect(err).toMatchObject({ code: 'ST_ERR_INPUT_FORMAT' });
    expect((err as Error).message).toMatch(/1 negative \(line 2\), 1 bad_time \(line 3\)/);
  });

  it('--unit per-step converts counts per step to requests per second', () => {
    const { series } = readSeriesCsv(csv('counts.csv', rows(5, 30)), { unit: 'per-step' });
    expect(series.unit).toBe('req/s');
    expect(series.values[0]).toBeCloseTo(0.1, 10);
  });
});

describe('forecast units', () => {
  // A request model of a service averaging 0.05 req/s: 3 requests per one-minute step, for 4 days.
  const model = { kind: 'shadowtwin.request-model', rate: { start: Date.UTC(2026, 0, 1), stepMs: 60_000, counts: Array.from({ length: 4 * 1440 }, (_, i) => (i % 3 === 0 ? 4 : i % 3 === 1 ? 3 : 2)) } } as unknown as RequestModel;

  it('a model-derived forecast is in requests per second', async () => {
    const s = seriesFromModel(model);
    expect(s.unit).toBe('req/s');
    expect(s.values.slice(0, 3).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0.066667, 0.05, 0.033333]);
    const fc = await forecastSeries(s, { horizon: 60, models: ['smedian-7'] });
    expect(fc.unit).toBe('req/s');
    const mean = fc.points.reduce((a, p) => a + p.point, 0) / fc.points.length;
    expect(mean).toBeGreaterThan(0.03);
    expect(mean).toBeLessThan(0.07);
  });

  it('scale reads a per-step forecast as per second only after converting it', () => {
    const pts = pointsPerSecond({ unit: 'per-step', stepMs: 60_000, points: [{ ts: 0, point: 3, lower: 2, upper: 6, intervals: {} }] });
    expect(pts).toEqual([{ ts: 0, point: 0.05, lower: 2 / 60, upper: 0.1 }]);
    expect(pointsPerSecond({ unit: 'req/s', stepMs: 60_000, points: [{ ts: 0, point: 3, lower: 2, upper: 6, intervals: {} }] })).toEqual([{ ts: 0, point: 3, lower: 2, upper: 6 }]);
  });
});

describe('capture input', () => {
  it('counts per step become req/s, and a record far from the rest is skipped as bad_time instead of stretching the series', async () => {
    const t0 = Date.UTC(2026, 0, 1);
    const recs = Array.from({ length: 600 }, (_, i) => JSON.stringify({ ts: t0 + i * 100, method: 'GET', path: '/', status: 200 }));
    recs.push(JSON.stringify({ ts: Date.UTC(2090, 0, 1), method: 'GET', path: '/', status: 200 }));
    const f = join(dir, 'cap.ndjson');
    writeFileSync(f, JSON.stringify({ shadowtwin: 'capture', version: 1 }) + '\n' + recs.join('\n') + '\n');
    const { series, skips } = await seriesFromCapture(f, 10_000);
    // 600 requests over 60 s, 100 per 10-second step: 10 req/s.
    expect(series.unit).toBe('req/s');
    expect(series.values).toEqual([10, 10, 10, 10, 10, 10]);
    expect(skips.byReason).toEqual({ bad_time: 1 });
  });
});
