import { describe, expect, it } from 'vitest';
import { RouteStatsTable } from '../../../src/common/index.js';
import { failureOutcome, RunRecorder, transportCode } from '../../../src/generator/index.js';

describe('RunRecorder', () => {
  it('keeps per-second histograms only for recent seconds, with the same timeline percentiles', () => {
    const r = new RunRecorder();
    for (let t = 0; t < 300; t++) {
      for (let k = 0; k < 10; k++) {
        const at = t * 1000 + k * 100;
        r.arrival(at, 0);
        r.send(at, 0);
        r.complete('/a', 'GET', at, 1 + (t % 7) * 10 + k, '2xx', 200, 0, 10, undefined);
      }
    }
    const held = (r as unknown as { seconds: Array<{ latency?: unknown }> }).seconds.filter((s) => s.latency !== undefined).length;
    expect(held).toBeLessThanOrEqual(64);
    const tl = r.timeline();
    expect(tl).toHaveLength(300);
    // Second 5 (summarised long ago) and second 298 (still a histogram) both report their own percentiles.
    expect(tl[5]).toMatchObject({ completed: 10, p50: expect.closeTo(55, 0), p99: expect.closeTo(60, 0) });
    expect(tl[298]).toMatchObject({ completed: 10, p50: expect.closeTo(45, 0), p99: expect.closeTo(50, 0) });
  });

  it('reports the worst schedule lag of each second in the timeline', () => {
    const r = new RunRecorder();
    r.arrival(100, 0.2);
    r.arrival(900, 3.5);
    r.arrival(1500, 0.05);
    r.arrival(3200, 12.25);
    const tl = r.timeline();
    expect(tl.map((p) => p.lagMax)).toEqual([3.5, 0.05, 0, 12.25]);
    expect(r.lag.totalCount).toBe(4);
  });

  it('windows: off until started; then each completion lands in exactly one window, and the windows add up to the run\'s routes', () => {
    const r = new RunRecorder();
    r.complete('/a', 'GET', 0, 5, '2xx', 200, 1, 2, undefined);
    expect(r.windowing).toBe(false);
    expect(r.rotateWindow(1000)).toBeUndefined();
    r.startWindows(1000);
    r.complete('/a', 'GET', 0, 7, '2xx', 200, 1, 2, undefined);
    r.complete('/b', 'GET', 0, 300, 'timeout', 0, 0, 0, undefined, 'ST_TIMEOUT');
    const first = r.rotateWindow(2000)!;
    r.complete('/b', 'GET', 0, 9, '5xx', 503, 0, 4, undefined);
    const second = r.rotateWindow(2500)!;
    expect([first.start, first.end, second.start, second.end]).toEqual([1000, 2000, 2000, 2500]);
    expect(first.table.get('/b', 'GET')).toMatchObject({ requests: 1, errors: 1, status: { 0: 1 }, codes: { ST_TIMEOUT: 1 } });
    expect(second.table.get('/b', 'GET')).toMatchObject({ requests: 1, errors: 1, status: { 503: 1 }, codes: {} });
    // The run's table has all of it (including the completion before windows started), codes too.
    expect(r.routes.get('/b', 'GET')).toMatchObject({ requests: 2, codes: { ST_TIMEOUT: 1 } });
    const sum = new RouteStatsTable();
    for (const w of [first, second]) for (const s of w.table.values()) sum.get(s.route, s.method).add(s);
    expect(sum.get('/a', 'GET').requests + sum.get('/b', 'GET').requests).toBe(r.completed - 1);
    expect(r.rotateWindow(2400)).toMatchObject({ start: 2500, end: 2500 }); // a clock step back never makes end < start
  });

  it('transport failures map to one outcome and, where the registry has one, one ST_* code', () => {
    expect([transportCode('timeout'), failureOutcome('timeout')]).toEqual(['ST_TIMEOUT', 'timeout']);
    expect([transportCode('connect_timeout'), failureOutcome('connect_timeout')]).toEqual(['ST_CONNECT_TIMEOUT', 'timeout']);
    expect([transportCode('aborted'), failureOutcome('aborted')]).toEqual(['ST_ABORTED', 'aborted']);
    expect([transportCode('reset'), failureOutcome('reset')]).toEqual([undefined, 'reset']);
    expect([transportCode('other'), failureOutcome('other')]).toEqual([undefined, 'error']);
  });
});
