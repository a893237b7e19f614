import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel, rateSeries, secondCounts } from '../../src/profiler/index.js';
import { generateAccessLog } from '../helpers/log-fixture.js';

const DAY = 86_400_000;

describe('profiler: the rate is bounded by the records, never by the time they span', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-ptime-'));
  // About 12,000 lines over 3.5 days (the version-1 model stored 302,400 per-second counts for it: 1.2 MB).
  const fx = generateAccessLog({ sessions: 3300, seed: 5, windowMs: 3.5 * DAY });
  const file = join(dir, 'days.log');
  writeFileSync(file, fx.lines.join('\n') + '\n');

  it('stores 10k+ lines over 3.5 days in a small rate section that still reproduces the series', async () => {
    const { model } = await buildModel([{ file, format: 'combined' }]);
    expect(model.provenance.records).toBe(fx.truth.length);
    expect(model.provenance.records).toBeGreaterThan(10_000);
    expect(JSON.stringify(model.rate).length).toBeLessThan(100_000);
    expect(JSON.stringify(model).length).toBeLessThan(150_000);
    // The counts are exact: per second and per step, as the truth has them.
    const perSecond = new Map<number, number>();
    for (const t of fx.truth) perSecond.set(Math.floor(t.ts / 1000), (perSecond.get(Math.floor(t.ts / 1000)) ?? 0) + 1);
    const secs = secondCounts(model.rate);
    expect(secs.slots.length).toBe(perSecond.size);
    expect(secs.slots.every((s, i) => perSecond.get(s) === secs.counts[i])).toBe(true);
    const series = rateSeries(model.rate);
    expect(series.values.length).toBe(Math.floor(Math.max(...fx.truth.map((t) => t.ts)) / 60_000) - Math.floor(Math.min(...fx.truth.map((t) => t.ts)) / 60_000) + 1);
    expect(series.values.reduce((a, b) => a + b, 0)).toBe(fx.truth.length);
  });

  it('a line from 1970 and one from another year are skipped as bad_time with their line numbers; the model stays small', async () => {
    // The fixture's own malformed lines include unparseable times (bad_time too); a clean log keeps this about the years.
    const clean = generateAccessLog({ sessions: 3300, seed: 5, windowMs: 3.5 * DAY, malformedShare: 0 });
    const lines = [...clean.lines];
    const at1970 = 3000;
    const atOther = 9000;
    lines.splice(at1970, 0, '10.1.1.1 - - [01/Jan/1970:00:00:00 +0000] "GET /products/7 HTTP/1.1" 200 512 "-" "curl/8.0"');
    lines.splice(atOther, 0, '10.1.1.2 - - [21/Nov/2019:11:00:00 +0100] "GET /products/8 HTTP/1.1" 200 512 "-" "curl/8.0"');
    const bad = join(dir, 'odd-years.log');
    writeFileSync(bad, lines.join('\n') + '\n');
    const { model, skips } = await buildModel([{ file: bad, format: 'combined' }]);
    expect(model.provenance.records).toBe(clean.truth.length);
    expect(model.provenance.skipped).toEqual({ total: 2, byReason: { bad_time: 2 } });
    expect(skips[0]!.examples.map((e) => e.line).sort((a, b) => a - b)).toEqual([at1970 + 1, atOther + 1]);
    expect(model.provenance.window).toEqual({ start: Math.min(...clean.truth.map((t) => t.ts)), end: Math.max(...clean.truth.map((t) => t.ts)) });
    expect(JSON.stringify(model.rate).length).toBeLessThan(100_000);
  });

  it('judges several inputs together: a stray file from another year is skipped, each input\'s provenance counts its own', async () => {
    const stray = join(dir, 'stray.log');
    writeFileSync(stray, ['10.9.9.9 - - [03/Mar/2019:10:00:00 +0000] "GET / HTTP/1.1" 200 10 "-" "curl/8.0"', '10.9.9.9 - - [03/Mar/2019:10:00:05 +0000] "GET /a HTTP/1.1" 200 10 "-" "curl/8.0"'].join('\n'));
    const { model, skips } = await buildModel([{ file: stray, format: 'combined' }, { file, format: 'combined' }]);
    expect(skips[0]!.byReason).toEqual({ bad_time: 2 });
    expect(model.provenance.inputs.map((i) => [i.records, i.skipped])).toEqual([[0, 2], [fx.truth.length, fx.malformed.length]]);
    expect(model.provenance.records).toBe(fx.truth.length);
    expect(new Date(model.provenance.window.start).getUTCFullYear()).toBe(2026);
  });
});
