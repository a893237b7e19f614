import { ShadowtwinError } from '../../common/errors.js';

/**
 * A count series as its populated slots only: `slots` ascending (absolute
 * slot numbers: epoch ms / slot width), `counts` ≥ 1. Its size is bounded by
 * the records counted, never by the time they span.
 */
export interface SparseCounts {
  slots: number[];
  counts: number[];
}

/**
 * A count series as stored in the model (docs/profiler.md): the window's
 * first slot, its length in slots and the total, and the counts as runs:
 * unsigned LEB128 varints, base64; each varint v is a slot counting v / 2
 * when v is even, and (v - 1) / 2 empty slots when v is odd. A second of a
 * busy log costs one byte, a lone request after a quiet minute two.
 */
export interface EncodedCounts {
  /** Epoch ms of the window's first slot (0 when empty). */
  start: number;
  /** Slots in the window, empty ones included. */
  length: number;
  /** Sum of the counts. */
  total: number;
  runs: string;
}

export const EMPTY_COUNTS: Readonly<EncodedCounts> = Object.freeze({ start: 0, length: 0, total: 0, runs: '' });

function pushVarint(out: number[], v: number): void {
  // Arithmetic, not bit operations: counts and gaps may exceed 2^31.
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

export function encodeCounts(s: SparseCounts, slotMs: number): EncodedCounts {
  const n = s.slots.length;
  if (n === 0) return { ...EMPTY_COUNTS };
  const bytes: number[] = [];
  let total = 0;
  let prev = s.slots[0]! - 1;
  for (let i = 0; i < n; i++) {
    const gap = s.slots[i]! - prev - 1;
    if (gap > 0) pushVarint(bytes, gap * 2 + 1);
    pushVarint(bytes, s.counts[i]! * 2);
    total += s.counts[i]!;
    prev = s.slots[i]!;
  }
  return { start: s.slots[0]! * slotMs, length: s.slots[n - 1]! - s.slots[0]! + 1, total, runs: Buffer.from(bytes).toString('base64') };
}

function invalid(what: string, why: string): ShadowtwinError {
  return new ShadowtwinError('ST_ERR_INPUT_FORMAT', `the model's ${what} counts are corrupt (${why}); rebuild the model with shadowtwin profile build`);
}

/** The populated slots of `e`; `what` names the series in errors. Validates the runs against length and total. */
export function decodeCounts(e: EncodedCounts, slotMs: number, what = 'rate'): SparseCounts {
  if (typeof e !== 'object' || e === null || typeof e.runs !== 'string' || !Number.isFinite(e.start) || !Number.isInteger(e.length) || !Number.isFinite(e.total)) throw invalid(what, 'expected { start, length, total, runs }');
  const bytes = Buffer.from(e.runs, 'base64');
  const first = Math.round(e.start / slotMs);
  const slots: number[] = [];
  const counts: number[] = [];
  let at = 0;
  let total = 0;
  let i = 0;
  while (i < bytes.length) {
    let v = 0;
    let scale = 1;
    for (;;) {
      if (i >= bytes.length) throw invalid(what, 'a run is cut off');
      const b = bytes[i++]!;
      v += (b & 127) * scale;
      scale *= 128;
      if (b < 128) break;
      if (scale >= 2 ** 49) throw invalid(what, 'a run is too long');
    }
    if (v % 2 === 1) at += (v - 1) / 2;
    else if (v === 0) throw invalid(what, 'a slot counts zero');
    else {
      slots.push(first + at);
      counts.push(v / 2);
      total += v / 2;
      at++;
    }
  }
  if (at > e.length || total !== e.total) throw invalid(what, `the runs hold ${total} in ${at} slots, the header says ${e.total} in ${e.length}`);
  return { slots, counts };
}

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

/** The populated slots of a dense series whose first slot is `first`. */
export function sparseFromDense(first: number, dense: readonly number[]): SparseCounts {
  const slots: number[] = [];
  const counts: number[] = [];
  dense.forEach((c, i) => { if (c > 0) { slots.push(first + i); counts.push(c); } });
  return { slots, counts };
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
