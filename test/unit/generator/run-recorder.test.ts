import { describe, expect, it } from 'vitest';
import { RunRecorder } from '../../../src/generator/index.js';

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
});
