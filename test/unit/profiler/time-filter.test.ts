import { describe, expect, it } from 'vitest';
import { seededRandom, SkipReport } from '../../../src/common/index.js';
import type { Observation } from '../../../src/profiler/index.js';
import { TimeFilter } from '../../../src/profiler/ingest/time-filter.js';

const NOW = Date.UTC(2026, 11, 2);
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 1);

/** Runs timestamps (line i + 1 each) through the filter; returns the lines let through, in order, and the skips. */
function run(ts: number[]): { passed: number[]; skips: SkipReport; badLines: number[] } {
  const skips = new SkipReport(1000);
  const f = new TimeFilter({ now: NOW });
  f.startInput('input', skips);
  const out: Observation[] = [];
  ts.forEach((t, i) => f.offer({ ts: t, method: 'GET', target: `/line/${i + 1}`, status: 200, resBytes: 0 }, i + 1, `line ${i + 1}`, out));
  f.finish(out);
  const passed = out.map((o) => Number(o.target.slice(6)));
  return { passed, skips, badLines: skips.examples.filter((e) => e.reason === 'bad_time').map((e) => e.line).sort((a, b) => a - b) };
}

const steady = (n: number, from: number, everyMs: number): number[] => Array.from({ length: n }, (_, i) => from + i * everyMs);
const all = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe('TimeFilter: implausible times are skipped and counted, real ones never', () => {
  it('skips a ts of 0, seconds read as ms, nanoseconds read as ms, NaN and the far future, with their line numbers', () => {
    const ts = steady(1000, T0, 5000);
    ts[0] = 0;
    ts[300] = 1_700_000_000; // seconds, read as ms: January 1970
    ts[500] = 1.7e18;
    ts[600] = Number.NaN;
    ts[700] = Date.UTC(2031, 0, 1);
    const r = run(ts);
    expect(r.badLines).toEqual([1, 301, 501, 601, 701]);
    expect(r.skips.byReason).toEqual({ bad_time: 5 });
    expect(r.passed).toEqual(all(1000).filter((l) => ![1, 301, 501, 601, 701].includes(l)));
    expect(r.skips.warnings).toEqual([expect.stringMatching(/look like seconds .*\(line 301: 1700000000\)/)]);
  });

  it('says once when the times look like seconds (or µs, ns) since the epoch instead of milliseconds', () => {
    const secs = run(steady(300, T0 / 1000, 1));
    expect(secs.passed).toEqual([]);
    expect(secs.skips.byReason).toEqual({ bad_time: 300 });
    expect(secs.skips.warnings).toEqual([`input: times look like seconds since the epoch, not milliseconds (line 1: ${T0 / 1000}); they are skipped as bad_time: convert them to epoch milliseconds`]);
    expect(run([T0 * 1e6, T0 * 1e6 + 1]).skips.warnings[0]).toMatch(/look like nanoseconds/);
  });

  it('skips a lone line from another year wherever it is: first line, middle, last line', () => {
    for (const at of [0, 1, 37, 5000, 9998, 9999]) {
      const ts = steady(10_000, T0, 30_000); // 3.5 days
      ts[at] = ts[at]! - 365 * DAY;
      const r = run(ts);
      expect(r.badLines, `line ${at + 1}`).toEqual([at + 1]);
      expect(r.passed.length).toBe(9999);
    }
    // A few from the future year, scattered, and a small file.
    const ts = steady(2000, T0, 60_000);
    for (const at of [10, 900, 1999]) ts[at] = ts[at]! + 200 * DAY;
    expect(run(ts).badLines).toEqual([11, 901, 2000]);
    expect(run([T0, T0 + 1000, T0 - 3 * 365 * DAY, T0 + 2000, T0 + 5000]).badLines).toEqual([3]);
  });

  it('keeps every line of a log spanning months, with quiet weeks, out-of-order stretches and a concatenated older file', () => {
    // 120 days, a request every ~10 minutes, with a two-week outage in the middle.
    const months = steady(17_280, T0, 600_000).map((t, i) => (i >= 8000 ? t + 14 * DAY : t));
    expect(run(months).passed).toEqual(all(months.length));
    // access.log (this week) then access.log.2 (three weeks earlier) in one stream.
    const rotated = [...steady(3000, T0 + 21 * DAY, 60_000), ...steady(3000, T0, 60_000)];
    expect(run(rotated).passed).toEqual(all(6000));
    // Two files months apart.
    const apart = [...steady(500, T0, 1000), ...steady(500, T0 + 150 * DAY, 1000)];
    expect(run(apart).passed).toEqual(all(1000));
    // Lines from several servers, a few minutes out of order.
    const r = seededRandom(4);
    const jitter = steady(5000, T0, 200).map((t) => t + Math.floor(r() * 600_000));
    expect(run(jitter).passed).toEqual(all(5000));
  });

  it('keeps a sparse log whole: a request every few days, and a file of two lines', () => {
    const sparse = steady(30, T0, 3 * DAY);
    expect(run(sparse).passed).toEqual(all(30));
    const sparser = steady(300, T0 - 900 * DAY, 3 * DAY + 7_777_777);
    expect(run(sparser).passed).toEqual(all(300));
    expect(run([T0, T0 + 400 * DAY]).passed).toEqual([1, 2]);
    expect(run([]).passed).toEqual([]);
  });

  it('holds a bounded number of records when every time is random (no bulk at all)', () => {
    const r = seededRandom(8);
    const skips = new SkipReport();
    const f = new TimeFilter({ now: NOW });
    f.startInput('random', skips);
    const out: Observation[] = [];
    let maxHeld = 0;
    for (let i = 0; i < 20_000; i++) {
      f.offer({ ts: Date.UTC(2000, 0, 1) + Math.floor(r() * 26 * 365 * DAY), method: 'GET', target: '/', status: 200, resBytes: 0 }, i + 1, 'x', out);
      maxHeld = Math.max(maxHeld, i + 1 - out.length - skips.total);
    }
    f.finish(out);
    expect(maxHeld).toBeLessThanOrEqual(64 + 8 * 16);
    expect(out.length + skips.total).toBe(20_000);
  });

  it('judges several inputs as one stream and reports each skip to its own input', () => {
    const f = new TimeFilter({ now: NOW });
    const a = new SkipReport();
    const b = new SkipReport();
    const out: Observation[] = [];
    const obs = (ts: number, i: number): Observation => ({ ts, method: 'GET', target: `/${i}`, status: 200, resBytes: 0 });
    const ia = f.startInput('a.log', a);
    steady(2000, T0, 10_000).forEach((t, i) => f.offer(obs(t, i), i + 1, 'a', out));
    // A stray old file of three lines: outliers against the union, skipped in its own report.
    const ib = f.startInput('old.log', b);
    [T0 - 700 * DAY, T0 - 700 * DAY + 1000, T0 - 700 * DAY + 2000].forEach((t, i) => f.offer(obs(t, i), i + 1, 'b', out));
    const ic = f.startInput('c.log', new SkipReport());
    steady(500, T0 + 2000 * 10_000, 10_000).forEach((t, i) => f.offer(obs(t, i), i + 1, 'c', out));
    f.finish(out);
    expect(out.length).toBe(2500);
    expect(b.byReason).toEqual({ bad_time: 3 });
    expect(b.examples.map((e) => e.line)).toEqual([1, 2, 3]);
    expect(a.total).toBe(0);
    expect([ia, ib, ic].map((x) => [x.name, x.offered, x.skipped])).toEqual([['a.log', 2000, 0], ['old.log', 3, 3], ['c.log', 500, 0]]);
  });
});
