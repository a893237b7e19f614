import { ShadowtwinError } from '../errors.js';

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

/** The populated slots of a dense series whose first slot is `first`. */
export function sparseFromDense(first: number, dense: readonly number[]): SparseCounts {
  const slots: number[] = [];
  const counts: number[] = [];
  dense.forEach((c, i) => { if (c > 0) { slots.push(first + i); counts.push(c); } });
  return { slots, counts };
}
