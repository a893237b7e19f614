import { describe, expect, it } from 'vitest';
import { createHistogram, decodeHistogram, encodeHistogram, mergeHistograms, recordMs, summarizeMs, ShadowtwinError } from '../../../src/common/index.js';

describe('HDR histogram helpers', () => {
  it('merged percentiles equal those of one histogram over all samples', () => {
    const all = createHistogram();
    const parts = [createHistogram(), createHistogram(), createHistogram()];
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 30_000; i++) {
      const ms = -Math.log(1 - rnd()) * 20 + (i % 1000 === 0 ? 1500 : 0);
      recordMs(all, ms);
      recordMs(parts[i % 3]!, ms);
    }
    const merged = mergeHistograms(parts.map(encodeHistogram));
    expect(summarizeMs(merged)).toEqual(summarizeMs(all));
    expect(merged.totalCount).toBe(30_000);
  });

  it('round-trips through compressed base64 and records multi-minute stalls', () => {
    const h = createHistogram();
    recordMs(h, 0.2);
    recordMs(h, 250);
    recordMs(h, 180_000);
    const back = decodeHistogram(encodeHistogram(h));
    expect(back.totalCount).toBe(3);
    expect(summarizeMs(back).max).toBeGreaterThan(179_000);
  });

  it('rejects garbage with a typed error', () => {
    expect(() => decodeHistogram('not-a-histogram')).toThrow(ShadowtwinError);
  });
});
