import { describe, expect, it } from 'vitest';
import { createHistogram, encodeHistogram, HistogramRecorder } from '../../../src/common/index.js';

describe('HistogramRecorder', () => {
  it('gives the same histogram, bucket for bucket, as recording into HDR directly', () => {
    const direct = createHistogram();
    const rec = new HistogramRecorder();
    let seed = 11;
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    // Every magnitude from 1 to beyond 2^32 (the fallback path), plus bucket edges.
    const values = [1, 2, 2047, 2048, 2049, 4095, 4096, 1_000_000, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 5e12];
    for (let i = 0; i < 50_000; i++) values.push(Math.max(1, Math.floor(Math.exp(rnd() * 30))));
    for (const v of values) { direct.recordValue(v); rec.record(v); }
    direct.recordValueWithCount(777, 5);
    rec.recordWithCount(777, 5);
    direct.recordValueWithCount(1, 3);
    rec.recordWithCount(0, 3); // below 1 counts as 1
    const h = rec.toHistogram();
    expect(rec.count).toBe(values.length + 8);
    expect(h.totalCount).toBe(direct.totalCount);
    for (const p of [1, 10, 50, 90, 99, 99.9, 100]) expect(h.getValueAtPercentile(p)).toBe(direct.getValueAtPercentile(p));
    expect(h.minNonZeroValue).toBe(direct.minNonZeroValue);
    expect(h.maxValue).toBe(direct.maxValue);
    expect(h.mean).toBeCloseTo(direct.mean, 6);
    for (let p = 0.5; p <= 100; p += 0.5) expect(h.getValueAtPercentile(p)).toBe(direct.getValueAtPercentile(p));
  });

  it('encodes identically when every value is below 2^32 (no resize-order differences)', () => {
    const direct = createHistogram();
    const rec = new HistogramRecorder();
    let seed = 5;
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 20_000; i++) {
      const v = Math.max(1, Math.floor(Math.exp(rnd() * 20)));
      direct.recordValue(v);
      rec.record(v);
    }
    expect(encodeHistogram(rec.toHistogram())).toBe(encodeHistogram(direct));
  });

  it('an empty recorder gives an empty histogram', () => {
    expect(new HistogramRecorder().toHistogram().totalCount).toBe(0);
  });
});
