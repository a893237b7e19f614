import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkHorizon, planSeasons, readSeriesCsv, seriesFromFile, staleHistoryWarning } from '../../../src/forecast/index.js';
import { checkFit } from '../../../src/forecast/models/prophet.js';

const dir = mkdtempSync(join(tmpdir(), 'st-hostile-'));
const file = (name: string, body: string | Buffer): string => {
  const f = join(dir, name);
  writeFileSync(f, body);
  return f;
};
const T0 = Date.UTC(2026, 10, 1);
const FIVE = 300_000;
const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const block = (n: number, from: number, v: (i: number) => number, sep = ','): string[] => Array.from({ length: n }, (_, i) => `${iso(from + i * FIVE)}${sep}${v(i)}`);

describe('hostile rate CSVs', () => {
  it('keeps the newest stretch after a long gap and drops the older one with a warning', () => {
    const old = block(2880, T0, () => 100);
    const recentFrom = T0 + 2880 * FIVE + 20 * 86_400_000;
    const recent = block(864, recentFrom, () => 1000);
    const { series, skips } = readSeriesCsv(file('gap.csv', ['timestamp,value', ...old, ...recent].join('\n')));
    expect(series.values).toHaveLength(864);
    expect(series.values.every((v) => v === 1000)).toBe(true);
    expect(series.start + (series.values.length - 1) * series.stepMs).toBe(recentFrom + 863 * FIVE);
    expect(skips.byReason).toEqual({ before_gap: 2880 });
    expect(skips.warnings.join(' ')).toMatch(/newest 864 rows .* gap of 20\.0 days/);
  });

  it('warns when a gap over a day is bridged by interpolation', () => {
    const { skips } = readSeriesCsv(file('gap5.csv', ['timestamp,value', ...block(2880, T0, () => 100), ...block(864, T0 + 2880 * FIVE + 5 * 86_400_000, () => 1000)].join('\n')));
    expect(skips.warnings.join(' ')).toMatch(/no rows for 5\.0 days .* bridged by a straight line/);
  });

  it('finds time and value columns by header name, quoted, with , ; or tab, and µs/ns epochs', () => {
    const vals = (i: number): number => 100 + i;
    const cases: Array<[string, string]> = [
      ['extra.csv', ['host,timestamp,value,region', ...block(20, T0, vals).map((r) => `a,${r},eu`)].join('\n')],
      ['swapped.csv', ['value,timestamp', ...block(20, T0, vals).map((r) => r.split(',').reverse().join(','))].join('\n')],
      ['quoted.csv', ['"timestamp","value"', ...block(20, T0, vals).map((r) => r.split(',').map((x) => `"${x}"`).join(','))].join('\n')],
      ['semi.csv', ['Time;Requests', ...block(20, T0, vals, ';')].join('\n')],
      ['tab.tsv', ['ts\tcount', ...block(20, T0, vals, '\t')].join('\n')],
      ['us.csv', ['timestamp,value', ...Array.from({ length: 20 }, (_, i) => `${(T0 + i * FIVE) * 1000},${vals(i)}`)].join('\n')],
      ['ns.csv', ['timestamp,value', ...Array.from({ length: 20 }, (_, i) => `${BigInt(T0 + i * FIVE) * 1_000_000n},${vals(i)}`)].join('\n')],
      ['decimal-comma.csv', ['timestamp;value', ...block(20, T0, (i) => vals(i) + 0.5, ';').map((r) => r.replace('.5', ',5'))].join('\n')],
    ];
    for (const [name, body] of cases) {
      const { series, skips } = readSeriesCsv(file(name, body));
      expect([name, series.start, series.stepMs, series.values.length, skips.total]).toEqual([name, T0, FIVE, 20, 0]);
      expect(series.values[3]).toBe(name === 'decimal-comma.csv' ? 103.5 : 103);
    }
  });

  it('names the columns it saw when the header names no time or value column', () => {
    expect(() => readSeriesCsv(file('names.csv', ['host,when,region', 'a,2026-11-01 00:00:00,eu'].join('\n')))).toThrow(/no time column among the header's "host", "when", "region"/);
  });

  it('reads a gzip CSV, by name and by content', async () => {
    const body = gzipSync(['timestamp,value', ...block(30, T0, () => 7)].join('\n'));
    for (const name of ['rate.csv.gz', 'rate.bin']) {
      const { series } = await seriesFromFile(file(name, body));
      expect(series.values).toHaveLength(30);
      expect(series.values[0]).toBe(7);
    }
  });

  it('refuses when most rows are unusable and warns when more than a few are', () => {
    const half = ['timestamp,value', ...block(100, T0, (i) => (i % 2 === 0 ? 2e12 : 10)), `${iso(T0 + 100 * FIVE)},2e12`].join('\n');
    expect(() => readSeriesCsv(file('huge.csv', half))).toThrow(/51 of 101 rows are unusable/);
    const some = ['timestamp,value', ...block(100, T0, (i) => (i % 10 === 0 ? 2e12 : 10))].join('\n');
    const { skips } = readSeriesCsv(file('some.csv', some));
    expect(skips.warnings.join(' ')).toMatch(/10 of 100 rows \(10%\) are unusable/);
  });

  it('clamps negative values to 0 (counted), instead of interpolating over them', () => {
    const { series, skips } = readSeriesCsv(file('neg.csv', ['timestamp,value', ...block(10, T0, (i) => (i === 5 ? -50 : 100))].join('\n')));
    expect(series.values[5]).toBe(0);
    expect(skips.byReason).toEqual({ negative: 1 });
    expect(skips.warnings.join(' ')).toMatch(/1 negative value\(s\) clamped to 0/);    expect(() => readSeriesCsv(file('allneg.csv', ['timestamp,value', ...block(10, T0, (i) => (i < 6 ? -50 : 100))].join('\n')))).toThrow(/6 of 10 values are negative: this is not a request rate/);
  });

  it('infers a round step from irregular times and aggregates rows within a step (sum per-step, mean req/s); identical times stay duplicates', () => {
    // Rows at random seconds, about two per minute, for two hours.
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const times: number[] = [];
    for (let t = T0; t < T0 + 7_200_000; t += 5_000 + Math.floor(rnd() * 50_000)) times.push(t);
    const body = ['timestamp,value', ...times.map((t) => `${iso(t)},3`), `${iso(times[10]!)},3`].join('\n');
    const perStep = readSeriesCsv(file('irr.csv', body), { unit: 'per-step' });
    expect(perStep.series.stepMs).toBe(30_000);
    expect(perStep.skips.byReason).toEqual({ duplicate_time: 1 });
    // Per-step counts are summed: the total survives bucketing (in req/s × step).
    const seen = new Set(times.map((t) => Math.floor(t / 1000) * 1000));
    const total = perStep.series.values.reduce((a, v) => a + (v * perStep.series.stepMs) / 1000, 0);
    expect(total).toBeGreaterThanOrEqual(seen.size * 3);
    const rate = readSeriesCsv(file('irr2.csv', body));
    expect(rate.series.stepMs).toBe(30_000);
    expect(rate.series.values.every((v) => v === 3)).toBe(true);
  });
});

describe('season plan for coarse steps', () => {
  it('offers the week (7 steps) on daily data, and day and week on hourly data', () => {
    expect(planSeasons(84, 56, 86_400_000)).toMatchObject({ primary: 7, primaryName: 'week' });
    expect(planSeasons(24 * 28, 24 * 20, 3_600_000)).toMatchObject({ primary: 24, primaryName: 'day', week: 168 });
    expect(planSeasons(60, 40, 43_200_000)).toMatchObject({ primary: 2, primaryName: 'day', week: 14 });
  });
});

describe('horizon and history checks', () => {
  const s = { start: T0, stepMs: FIVE, values: new Array<number>(4032).fill(1) };
  it('refuses a horizon over the larger of 10× the history and a week, or over 100,000 steps, naming the limit', () => {
    expect(() => checkHorizon(10_000_000, s, '10000000')).toThrow(/at most 40320 \(the larger of 10× the 4032-point history and a week/);
    // Two hours of one-minute rates still get the default one-day horizon (a week is always allowed).
    const newService = { start: T0, stepMs: 60_000, values: new Array<number>(120).fill(1) };
    expect(() => checkHorizon(1440, newService, '1d')).not.toThrow();
    expect(() => checkHorizon(10_081, newService, '10081')).toThrow(/at most 10080/);
    expect(() => checkHorizon(288, s, '1d')).not.toThrow();
    expect(() => checkHorizon(200_000, { ...s, values: new Array<number>(50_000).fill(1) }, '200000')).toThrow(/at most 100000/);
  });
  it('warns when the history ended long before now', () => {
    expect(staleHistoryWarning(s, T0 + 4031 * FIVE + 2 * FIVE)).toBeUndefined();
    expect(staleHistoryWarning(s, T0 + 4031 * FIVE + 400 * 86_400_000)).toMatch(/400 days ago: the forecast is anchored at the history's end/);
  });
});

describe('Prophet fit check', () => {
  it('rejects a fit worse than a flat line (a silent optimiser failure), accepts a real one', () => {
    const y = Array.from({ length: 100 }, (_, i) => 100 + 50 * Math.sin(i / 5));
    expect(() => checkFit(y, new Array<number>(100).fill(0))).toThrow(/fit failed/);
    expect(() => checkFit(y, y.map((v) => v + 1))).not.toThrow();
  });
});
