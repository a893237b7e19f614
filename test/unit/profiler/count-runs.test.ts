import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/common/index.js';
import { addCounts, coarsen, decodeCounts, denseCounts, dispersionOf, dispersionOfSparse, encodeCounts, sparseFromDense, type SparseCounts } from '../../../src/profiler/model/count-runs.js';

function randomSparse(seed: number, n: number, spread: number): SparseCounts {
  const r = seededRandom(seed);
  const m = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const slot = 1_700_000_000 + Math.floor(r() * spread);
    m.set(slot, (m.get(slot) ?? 0) + 1 + (r() < 0.05 ? Math.floor(r() * 5000) : 0));
  }
  const slots = [...m.keys()].sort((a, b) => a - b);
  return { slots, counts: slots.map((s) => m.get(s)!) };
}

describe('count runs (the model\'s compact count series)', () => {
  it('round-trips sparse and dense series, huge counts and huge gaps included', () => {
    for (const [seed, n, spread] of [[1, 1, 10], [2, 500, 600], [3, 5000, 3_000_000], [4, 2000, 2000]] as const) {
      const s = randomSparse(seed, n, spread);
      const e = encodeCounts(s, 1000);
      expect(e.start).toBe(s.slots[0]! * 1000);
      expect(e.length).toBe(s.slots[s.slots.length - 1]! - s.slots[0]! + 1);
      expect(e.total).toBe(s.counts.reduce((a, b) => a + b, 0));
      expect(decodeCounts(e, 1000)).toEqual(s);
    }
    const extreme = { slots: [0, 2 ** 40, 2 ** 40 + 1], counts: [2 ** 45, 1, 2 ** 33] };
    expect(decodeCounts(encodeCounts(extreme, 1), 1)).toEqual(extreme);
    expect(encodeCounts({ slots: [], counts: [] }, 1000)).toEqual({ start: 0, length: 0, total: 0, runs: '' });
    expect(decodeCounts(encodeCounts({ slots: [], counts: [] }, 1000), 1000)).toEqual({ slots: [], counts: [] });
  });

  it('costs bytes per populated slot, not per slot of the window', () => {
    // 10,000 lone requests over 3.5 days: one every ~30 s.
    const s = randomSparse(5, 10_000, 302_400);
    const e = encodeCounts(s, 1000);
    expect(e.length).toBeGreaterThan(300_000);
    expect(e.runs.length).toBeLessThan(4 * s.slots.length);
    // A busy stretch: one byte a second.
    const busy = sparseFromDense(1_700_000_000, Array.from({ length: 86_400 }, (_, i) => 1 + (i % 60)));
    expect(Buffer.from(encodeCounts(busy, 1000).runs, 'base64').length).toBe(86_400);
    // A far outlier costs a few bytes, not the gap.
    const far = { slots: [946_684_800, 1_700_000_000], counts: [1, 1] };
    expect(encodeCounts(far, 1000).runs.length).toBeLessThanOrEqual(12);
  });

  it('adds, coarsens and computes dispersion like the dense series', () => {
    const a = randomSparse(6, 3000, 20_000);
    const b = randomSparse(7, 3000, 30_000);
    const sum = addCounts(a, b);
    const dense = (s: SparseCounts, first: number, len: number): number[] => { const d = new Array<number>(len).fill(0); s.slots.forEach((x, i) => { d[x - first] = s.counts[i]!; }); return d; };
    const first = Math.min(a.slots[0]!, b.slots[0]!);
    const len = Math.max(a.slots.at(-1)!, b.slots.at(-1)!) - first + 1;
    const da = dense(a, first, len);
    const db = dense(b, first, len);
    expect(dense(sum, first, len)).toEqual(da.map((x, i) => x + db[i]!));
    expect(denseCounts(sum)).toEqual(dense(sum, sum.slots[0]!, len).slice(0, sum.slots.at(-1)! - sum.slots[0]! + 1));
    expect(dispersionOfSparse(sum)).toBe(dispersionOf(denseCounts(sum)));
    const per60 = coarsen(sum, 60);
    expect(per60.counts.reduce((x, y) => x + y, 0)).toBe(sum.counts.reduce((x, y) => x + y, 0));
    for (let i = 0; i < per60.slots.length; i++) {
      expect(per60.counts[i]).toBe(sum.slots.reduce((acc, s, k) => acc + (Math.floor(s / 60) === per60.slots[i] ? sum.counts[k]! : 0), 0));
    }
  });

  it('refuses corrupt runs with ST_ERR_INPUT_FORMAT instead of inventing counts', () => {
    const e = encodeCounts({ slots: [10, 20], counts: [3, 4] }, 1000);
    expect(() => decodeCounts({ ...e, total: 8 }, 1000)).toThrow(expect.objectContaining({ code: 'ST_ERR_INPUT_FORMAT' }));
    expect(() => decodeCounts({ ...e, length: 5 }, 1000)).toThrow(expect.objectContaining({ code: 'ST_ERR_INPUT_FORMAT' }));
    expect(() => decodeCounts({ ...e, runs: Buffer.from([0x80]).toString('base64') }, 1000)).toThrow(/cut off/);
    expect(() => decodeCounts({ ...e, runs: Buffer.from([0]).toString('base64') }, 1000)).toThrow(/zero/);
    expect(() => decodeCounts({ start: 0 } as never, 1000)).toThrow(expect.objectContaining({ code: 'ST_ERR_INPUT_FORMAT' }));
  });
});
