import type { SparseCounts } from '../../common/index.js';

// The stored encoding (EncodedCounts: runs of varints) is part of the request-model contract: src/common/contracts/encoded-counts.ts.
export { decodeCounts, EMPTY_COUNTS, encodeCounts, sparseFromDense, type EncodedCounts, type SparseCounts } from '../../common/index.js';

/** The sum of two series (a merge-join on slots). */
export function addCounts(a: SparseCounts, b: SparseCounts): SparseCounts {
  const slots: number[] = [];
  const counts: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.slots.length || j < b.slots.length) {
    const x = i < a.slots.length ? a.slots[i]! : Infinity;
    const y = j < b.slots.length ? b.slots[j]! : Infinity;
    if (x === y) { slots.push(x); counts.push(a.counts[i++]! + b.counts[j++]!); }
    else if (x < y) { slots.push(x); counts.push(a.counts[i++]!); }
    else { slots.push(y); counts.push(b.counts[j++]!); }
  }
  return { slots, counts };
}

/** Slots of `factor` consecutive fine slots summed into one coarse slot (seconds → steps). */
export function coarsen(s: SparseCounts, factor: number): SparseCounts {
  const slots: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < s.slots.length; i++) {
    const slot = Math.floor(s.slots[i]! / factor);
    if (slots.length && slots[slots.length - 1] === slot) counts[counts.length - 1]! += s.counts[i]!;
    else { slots.push(slot); counts.push(s.counts[i]!); }
  }
  return { slots, counts };
}

/** A dense series (zeros included) from its first to its last populated slot. */
export function denseCounts(s: SparseCounts): number[] {
  if (s.slots.length === 0) return [];
  const first = s.slots[0]!;
  const out = new Array<number>(s.slots[s.slots.length - 1]! - first + 1).fill(0);
  for (let i = 0; i < s.slots.length; i++) out[s.slots[i]! - first] = s.counts[i]!;
  return out;
}

/**
 * Index of dispersion (variance / mean) over every slot of the window, the
 * empty ones included, rounded to 3 decimals; 1 when undefined. Equal to
 * `dispersionOf(denseCounts(s))`.
 */
export function dispersionOfSparse(s: SparseCounts): number {
  if (s.slots.length === 0) return 1;
  const n = s.slots[s.slots.length - 1]! - s.slots[0]! + 1;
  let sum = 0;
  let sumSq = 0;
  for (const c of s.counts) { sum += c; sumSq += c * c; }
  return dispersionFromSums(n, sum, sumSq);
}

/** Index of dispersion (variance / mean) of counts. */
export function dispersionOf(counts: readonly number[]): number {
  let sum = 0;
  let sumSq = 0;
  for (const c of counts) { sum += c; sumSq += c * c; }
  return dispersionFromSums(counts.length, sum, sumSq);
}

function dispersionFromSums(n: number, sum: number, sumSq: number): number {
  if (n < 2 || sum === 0) return 1;
  const mean = sum / n;
  return Math.round((((sumSq - n * mean * mean) / (n - 1)) / mean) * 1000) / 1000;
}
