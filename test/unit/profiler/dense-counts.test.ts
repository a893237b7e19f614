import { describe, expect, it } from 'vitest';
import { DenseCounts } from '../../../src/profiler/model/dense-counts.js';

describe('DenseCounts', () => {
  it('counts like a Map over indices that grow both ways and jump far', () => {
    const d = new DenseCounts();
    const ref = new Map<number, number>();
    let seed = 3;
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const indices: number[] = [];
    for (let i = 0; i < 5000; i++) indices.push(Math.floor(i / 3) - (rnd() < 0.05 ? Math.floor(rnd() * 3000) : 0));
    indices.push(100_000, -50_000, 7, 7, 0);
    for (const i of indices) { d.add(i); ref.set(i, (ref.get(i) ?? 0) + 1); }
    for (let i = -50_001; i <= 100_001; i++) expect(d.get(i)).toBe(ref.get(i) ?? 0);
  });
});
