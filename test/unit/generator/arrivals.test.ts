import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/common/index.js';
import { renderHtmlReport, ArrivalProcess, constantRate, mergeReports, parseFaultSpec, parseThreshold, peakValley, rampingRate, ReplayArrivals, RunRecorder, buildReport, withEvents } from '../../../src/generator/index.js';

function all(p: { next(): number | undefined }): number[] {
  const out: number[] = [];
  for (let t = p.next(); t !== undefined; t = p.next()) out.push(t);
  return out;
}

describe('arrival processes', () => {
  it('constant rate gives exactly rate × duration evenly spaced arrivals', () => {
    const a = all(new ArrivalProcess(constantRate(200), 5000, { random: seededRandom(1) }));
    expect(a).toHaveLength(1000);
    expect(a[0]).toBeCloseTo(2.5, 6);
    expect(a[1]! - a[0]!).toBeCloseTo(5, 6);
  });

  it('ramping rate integrates the ramp (0 → 100 req/s over 10 s is 500 arrivals)', () => {
    const a = all(new ArrivalProcess(rampingRate(0, [{ durationMs: 10_000, target: 100 }]), 10_000, { random: seededRandom(1) }));
    expect(a).toHaveLength(500);
    // Half of them in the last ~29% of the time (t > 10·√0.5 s).
    expect(a.filter((t) => t > 7071).length).toBeGreaterThanOrEqual(249);
  });

  it('events multiply the rate over their window', () => {
    const profile = withEvents(constantRate(10), [{ name: 'flash-sale', startMs: 2000, durationMs: 1000, multiplier: 5 }]);
    const a = all(new ArrivalProcess(profile, 4000, { random: seededRandom(1) }));
    expect(a.filter((t) => t >= 2000 && t < 3000)).toHaveLength(50);
    expect(a).toHaveLength(80);
  });

  it('poisson arrivals have exponential gaps (mean 1/rate, CV ≈ 1) and are reproducible by seed', () => {
    const a = all(new ArrivalProcess(constantRate(1000), 20_000, { poisson: true, random: seededRandom(7) }));
    expect(Math.abs(a.length - 20_000)).toBeLessThan(4.5 * Math.sqrt(20_000));
    const gaps = a.slice(1).map((t, i) => t - a[i]!);
    const mean = gaps.reduce((x, y) => x + y, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((x, g) => x + (g - mean) ** 2, 0) / gaps.length);
    expect(mean).toBeCloseTo(1, 1);
    expect(sd / mean).toBeGreaterThan(0.95);
    expect(sd / mean).toBeLessThan(1.05);
    const again = all(new ArrivalProcess(constantRate(1000), 20_000, { poisson: true, random: seededRandom(7) }));
    expect(again).toEqual(a);
  });

  it('peak-valley follows the sine: more arrivals in the peak half', () => {
    const a = all(new ArrivalProcess(peakValley(100, 0.8, 10_000), 10_000, { random: seededRandom(1) }));
    expect(a).toHaveLength(1000);
    expect(a.filter((t) => t < 5000).length).toBeGreaterThan(700);
  });

  it('a multiplier changed mid-run scales the rate from then on', () => {
    const p = new ArrivalProcess(constantRate(100), 2000, { random: seededRandom(1) });
    const first: number[] = [];
    let t = p.next();
    for (; t !== undefined && t < 1000; t = p.next()) first.push(t);
    p.multiplier = 3;
    const rest = all(p);
    expect(first.length).toBe(100);
    expect(rest.length + 1).toBeGreaterThanOrEqual(299);
    expect(rest.length + 1).toBeLessThanOrEqual(302);
  });

  it('replay compresses time by the speed factor and can loop', () => {
    expect(all(new ReplayArrivals([1000, 1100, 1500, 3000], 2))).toEqual([0, 50, 250, 1000]);
    const looped = all(new ReplayArrivals([0, 100, 200], 1, 1000));
    expect(looped.length).toBeGreaterThan(6);
    expect(looped.every((x) => x < 1000)).toBe(true);
  });
});

describe('thresholds and fault specs', () => {
  it('parses thresholds and explains bad ones', () => {
    expect(parseThreshold('p99 < 300ms')).toEqual({ metric: 'p99', op: '<', limit: 300, share: false });
    expect(parseThreshold('p50<=0.25s')).toEqual({ metric: 'p50', op: '<=', limit: 250, share: false });
    expect(parseThreshold('errors < 1%')).toEqual({ metric: 'errors', op: '<', limit: 0.01, share: true });
    expect(parseThreshold('p98 < 3ms')).toMatch(/not a threshold metric/);
    expect(parseThreshold('fast please')).toMatch(/write e.g./);
  });
  it('parses fault specs', () => {
    expect(parseFaultSpec('delay:10%:200ms,duplicate:2%:3,abort:1%')).toEqual([
      { kind: 'delay', percent: 10, ms: 200 }, { kind: 'duplicate', percent: 2, copies: 3 }, { kind: 'abort', percent: 1 },
    ]);
    expect(parseFaultSpec('explode:5%')).toMatch(/unknown fault/);
    expect(parseFaultSpec('delay:lots')).toMatch(/percentage/);
  });
  it('refuses fault parameters out of range or of the wrong kind, listing every problem', () => {
    expect(parseFaultSpec('delay:10%:27h')).toMatch(/up to 1h/);
    expect(parseFaultSpec('duplicate:2%:abc')).toMatch(/whole number of copies/);
    expect(parseFaultSpec('duplicate:2%:1')).toMatch(/from 2/);
    expect(parseFaultSpec('oversized-header:5%:-3')).toMatch(/whole number of bytes/);
    expect(parseFaultSpec('slow-body:5%:0')).toMatch(/above 0/);
    expect(parseFaultSpec('churn:5%:7')).toMatch(/takes no parameter/);
    expect(parseFaultSpec('delay:10%:1s:extra')).toMatch(/too many fields/);
    expect(parseFaultSpec(',')).toMatch(/no faults given/);
    const two = parseFaultSpec('delay:200%:1s,explode:1%');
    expect(two).toMatch(/0% to 100%/);
    expect(two).toMatch(/unknown fault "explode"/);
  });
});

describe('report merge', () => {
  it('merged percentiles equal those of one recorder over all samples', () => {
    const whole = new RunRecorder();
    const parts = [new RunRecorder(), new RunRecorder(), new RunRecorder()];
    const rnd = seededRandom(3);
    for (let i = 0; i < 9000; i++) {
      const lat = -Math.log(1 - rnd()) * 10 + (i % 500 === 0 ? 900 : 0);
      const route = i % 3 === 0 ? '/a' : '/b/:id';
      for (const r of [whole, parts[i % 3]!]) {
        r.arrival(i / 9, 0.1);
        r.send(i / 9, 0);
        r.complete(route, 'GET', i / 9, lat, i % 97 === 0 ? '5xx' : '2xx', i % 97 === 0 ? 503 : 200, 0, 10, undefined);
      }
    }
    const meta = { tool: 'shadowtwin', version: 't', target: 'http://x', executor: 'constant-rate', source: 'fixed', seed: 1, start: '', durationMs: 1000 };
    const single = buildReport(whole, meta, [{ expr: 'p99 < 100ms' }]);
    const merged = mergeReports(parts.map((p, i) => buildReport(p, { ...meta, segment: { index: i, count: 3 } })), [{ expr: 'p99 < 100ms' }]);
    expect(merged.summary.latencyMs).toEqual(single.summary.latencyMs);
    expect(merged.summary.requests).toBe(9000);
    expect(merged.summary.errors).toBe(single.summary.errors);
    expect(merged.routes).toEqual(single.routes);
    expect(merged.thresholds[0]!.pass).toBe(single.thresholds[0]!.pass);
    expect(() => mergeReports([{ kind: 'nope' } as never])).toThrow(/not a shadowtwin run report/);
  });
});

describe('HTML report', () => {
  it('is self-contained and shows the summary, charts, routes and thresholds', () => {
    const rec = new RunRecorder();
    for (let i = 0; i < 100; i++) {
      rec.arrival(i * 30, 0.2);
      rec.send(i * 30, 0);
      rec.complete(i % 2 ? '/a/<b>' : '/c', 'GET', i * 30, 5 + i, '2xx', 200, 0, 3, undefined);
    }
    const html = renderHtmlReport(buildReport(rec, { tool: 'shadowtwin', version: 't', target: 'http://127.0.0.1:1', executor: 'constant-rate', source: 'fixed', seed: 1, start: 's', durationMs: 3000 }, [{ expr: 'p99 < 10ms' }]));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src=/);
    expect(html).toContain('/a/&lt;b&gt;');
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(html).toContain('<strong>FAIL</strong>');
  });
});
