import { inflateSync } from 'node:zlib';
import { ShadowtwinError } from './errors.js';
import { JsHistogram, newStandardHistogram, STANDARD_DIGITS, STANDARD_LOWEST, type Histogram } from './hdr-library.js';

/*
 * A direct reader of the HdrHistogram compressed base64 interchange form
 * (what `encodeHistogram` writes), adding the counts into a histogram
 * without building one per payload. Layout, big-endian:
 *
 *   outer: cookie 0x1c84930x (V2 compressed; low nibble of byte 3 = word size)
 *          int32 compressed length, then a zlib (deflate) stream of:
 *   inner: cookie 0x1c84930x (V2), int32 payload length, int32 normalizing
 *          index offset (unused), int32 significant digits, int64 lowest
 *          discernible value, int64 highest trackable value, int64 integer to
 *          double conversion ratio (unused); then the payload: counts by
 *          bucket index as ZigZag LEB128 (at most 9 bytes, the 9th byte
 *          taking 7 bits as hdr-histogram-js reads it); a negative number -n
 *          is a run of n empty buckets.
 *
 * `addEncodedHistogram(target, encoded)` leaves `target` exactly as
 * hdr-histogram-js's `target.add(standard.add(JsHistogram.decode(...)))`
 * does (our decodeHistogram before this reader): same counts, total, min
 * and max, including the library's choice between its same-layout merge
 * (max = highest value of the top bucket) and its value-by-value merge
 * (max = lowest value of the top bucket). A test compares them on random
 * histograms. Payloads in another layout (not 3 digits from 1) or targets
 * that are not our standard shape go through the library, after the same
 * checks.
 */

const V2_COOKIE_BASE = 0x1c849303;
const V2_COMPRESSED_COOKIE_BASE = 0x1c849304;
/** Older encodings (V0, V1; compressed and not) HdrHistogram can write; named in the error. */
const OLDER_COOKIE_BASES: ReadonlyMap<number, string> = new Map([
  [0x1c849308, 'V0'], [0x1c849309, 'V0 compressed'], [0x1c849301, 'V1'], [0x1c849302, 'V1 compressed'],
]);
const INNER_HEADER_BYTES = 40;
/** Longest counts array a payload may declare (1 Mi buckets = 8 MiB as float64): 3 digits needs ≤ 46 Ki up to 2^53. */
export const MAX_ENCODED_BUCKETS = 1 << 20;
/** Longest inflated payload accepted (9 bytes per bucket at most, plus the header): stops deflate bombs. */
const MAX_INFLATED_BYTES = INNER_HEADER_BYTES + 9 * MAX_ENCODED_BUCKETS;

/** The library internals the direct merge writes (hdr-histogram-js 3.x TypedArrayHistogram, public JS fields). */
interface Internals {
  _counts: unknown;
  _totalCount: number;
  maxValue: number;
  minNonZeroValue: number;
  autoResize: boolean;
  bucketCount: number;
  subBucketCount: number;
  unitMagnitude: number;
  countsArrayLength: number;
  valueFromIndex(index: number): number;
  highestEquivalentValue(value: number): number;
  getBucketsNeededToCoverValue(value: number): number;
  resize(highest: number): void;
}

/** The standard shape's geometry, read once from a real one (no constants to keep in step with the library). */
const STANDARD = (() => {
  const h = newStandardHistogram() as unknown as Internals;
  return {
    buckets: h.bucketCount,
    subBucketCount: h.subBucketCount,
    unitMagnitude: h.unitMagnitude,
    highestRecordable: h.highestEquivalentValue(h.valueFromIndex(h.countsArrayLength - 1)),
    geometry: h,
  };
})();

function bad(detail: string, cause?: unknown): ShadowtwinError {
  return new ShadowtwinError('ST_ERR_HISTOGRAM_DECODE', `could not decode histogram: ${detail}`, cause === undefined ? undefined : { cause });
}

// Non-empty buckets of the payload being read (index ascending), reused across calls.
let pairIndex = new Int32Array(512);
let pairCount = new Float64Array(512);

function grow(): void {
  const n = pairIndex.length;
  const i = new Int32Array(n * 2); i.set(pairIndex); pairIndex = i;
  const c = new Float64Array(n * 2); c.set(pairCount); pairCount = c;
}

const hex = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0');
const u32 = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
const int64At = (b: Uint8Array, at: number): number => u32(b, at) * 0x1_0000_0000 + u32(b, at + 4);

/** Counts array length HdrHistogram allocates for this header (its own arithmetic), without allocating. */
function declaredLayout(digits: number, lowest: number, highest: number): { buckets: number; length: number } {
  const subBucketCountMagnitude = Math.ceil(Math.log2(2 * Math.floor(10 ** digits)));
  const subBucketCount = 2 ** ((subBucketCountMagnitude > 1 ? subBucketCountMagnitude : 1));
  let smallestUntrackable = subBucketCount * 2 ** Math.floor(Math.log2(lowest));
  let buckets = 1;
  while (smallestUntrackable <= highest) {
    if (smallestUntrackable > Number.MAX_SAFE_INTEGER / 2) { buckets++; break; }
    smallestUntrackable *= 2;
    buckets++;
  }
  return { buckets, length: (buckets + 1) * (subBucketCount / 2) };
}

function inflatePayload(encoded: string): Uint8Array {
  if (typeof encoded !== 'string') throw bad(`expected a base64 string, got ${encoded === null ? 'null' : typeof encoded}`);
  const bytes = Buffer.from(encoded.trim(), 'base64');
  if (bytes.length < 8) throw bad(`${bytes.length} bytes of base64 is shorter than the 8-byte header (truncated?)`);
  const cookie = bytes.readUInt32BE(0);
  const base = (cookie & ~0xf0) >>> 0;
  if (base !== V2_COMPRESSED_COOKIE_BASE) {
    const known = base === V2_COOKIE_BASE ? 'V2 uncompressed' : OLDER_COOKIE_BASES.get(base);
    throw bad(known
      ? `HdrHistogram ${known} encoding (cookie ${hex(cookie)}) is not supported; send the V2 compressed base64 (encodeIntoCompressedBase64)`
      : `not an HdrHistogram compressed encoding (cookie ${hex(cookie)}, expected ${hex(V2_COMPRESSED_COOKIE_BASE | 0x10)})`);
  }
  const compressed = bytes.readUInt32BE(4);
  if (compressed > bytes.length - 8) throw bad(`truncated: the header announces ${compressed} compressed bytes, ${bytes.length - 8} present`);
  try {
    return inflateSync(bytes.subarray(8, 8 + compressed), { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (cause) {
    const e = cause as NodeJS.ErrnoException;
    throw bad(e.code === 'ERR_BUFFER_TOO_LARGE'
      ? `inflates to more than ${MAX_INFLATED_BYTES} bytes (a histogram of ${MAX_ENCODED_BUCKETS} buckets is smaller)`
      : `inflate failed (${e.message})`, cause);
  }
}

/**
 * Adds the counts of one encoded histogram into `target`; equal to
 * `target.add(decodeHistogram(encoded))` with the library, without the
 * intermediate histograms. Throws ST_ERR_HISTOGRAM_DECODE (and leaves
 * `target` untouched) for anything that is not a well-formed payload.
 */
export function addEncodedHistogram(target: Histogram, encoded: string): void {
  const raw = inflatePayload(encoded);
  if (raw.length < INNER_HEADER_BYTES) throw bad(`inflated payload of ${raw.length} bytes is shorter than the ${INNER_HEADER_BYTES}-byte header`);
  const inner = u32(raw, 0);
  if (((inner & ~0xf0) >>> 0) !== V2_COOKIE_BASE) throw bad(`inflated payload is not a V2 histogram encoding (cookie ${hex(inner)})`);
  const payload = u32(raw, 4);
  const end = INNER_HEADER_BYTES + payload;
  if (end > raw.length) throw bad(`truncated: the payload announces ${payload} bytes of counts, ${raw.length - INNER_HEADER_BYTES} present`);
  const digits = u32(raw, 12);
  const lowest = int64At(raw, 16);
  const highest = int64At(raw, 24);
  if (digits > 5) throw bad(`${digits} significant digits (HdrHistogram has 0 to 5)`);
  if (lowest < 1) throw bad(`lowest discernible value ${lowest} (must be ≥ 1)`);
  if (highest < 2 * lowest) throw bad(`highest trackable value ${highest} is below twice the lowest ${lowest}`);
  const declared = declaredLayout(digits, lowest, highest);
  if (declared.length > MAX_ENCODED_BUCKETS) throw bad(`the header declares ${declared.length} buckets (${digits} digits from ${lowest} to ${highest}); refusing more than ${MAX_ENCODED_BUCKETS}`);

  // Read every count before touching the target. Integer arithmetic while values are small (nearly always).
  const limit = declared.length;
  let pos = INNER_HEADER_BYTES;
  let index = 0;
  let n = 0;
  let total = 0;
  let minIndex = -1;
  let pi = pairIndex;
  let pc = pairCount;
  while (pos < end) {
    let b = raw[pos++]!;
    let v = b;
    if (b & 0x80) {
      v = b & 0x7f;
      let scale = 128;
      for (let k = 1; ; k++) {
        if (pos >= raw.length) throw bad(`truncated: a count runs past the end of the payload at byte ${pos}`);
        b = raw[pos++]!;
        v += (b & 0x7f) * scale;
        if (!(b & 0x80) || k === 8) break;
        scale *= 128;
      }
    }
    // ZigZag: odd v is -(v + 1) / 2, a run of (v + 1) / 2 empty buckets; even v is the count v / 2.
    if (v < 0x4000_0000) {
      if (v & 1) {
        const run = (v + 1) >>> 1;
        if (run > limit - index) throw bad(`counts run past the declared ${limit} buckets`);
        index += run;
        continue;
      }
      if (index >= limit) throw bad(`counts run past the declared ${limit} buckets`);
      if (v !== 0) {
        const count = v >>> 1;
        if (n === pi.length) { grow(); pi = pairIndex; pc = pairCount; }
        pi[n] = index;
        pc[n++] = count;
        total += count;
        if (minIndex < 0 && index !== 0) minIndex = index;
      }
      index++;
      continue;
    }
    if (v % 2 === 1) {
      if ((v + 1) / 2 > limit - index) throw bad(`counts run past the declared ${limit} buckets`);
      index += (v + 1) / 2; // (unreachable in practice: a run this long passes any declared length)
      continue;
    }
    const count = v / 2;
    if (index >= limit) throw bad(`counts run past the declared ${limit} buckets`);
    if (count > Number.MAX_SAFE_INTEGER) throw bad(`bucket ${index} has a count above 2^53`);
    if (n === pi.length) { grow(); pi = pairIndex; pc = pairCount; }
    pi[n] = index;
    pc[n++] = count;
    total += count;
    if (minIndex < 0 && index !== 0) minIndex = index;
    index++;
  }

  const t = target as unknown as Internals;
  if (digits !== STANDARD_DIGITS || lowest !== STANDARD_LOWEST || !isStandard(t)) {
    libraryAdd(target, raw);
    return;
  }

  // What decodeHistogram's intermediate (a fresh standard histogram that `add`ed the decoded one) ends up with.
  let fMax = 0;
  let fMaxIndex = 0;
  let fBuckets = STANDARD.buckets;
  if (n > 0) {
    fMaxIndex = pi[n - 1]!;
    const lo = t.valueFromIndex(fMaxIndex);
    const hi = t.highestEquivalentValue(lo);
    if (STANDARD.highestRecordable < hi) fBuckets = t.getBucketsNeededToCoverValue(hi);
    // Same bucket count as the decoded one: counts copied, max = top of the bucket; else re-recorded at each bucket's lowest value.
    fMax = fBuckets === declared.buckets ? hi : lo;
  }

  // target.add(intermediate)
  if (t.highestEquivalentValue(t.valueFromIndex(t.countsArrayLength - 1)) < fMax) t.resize(fMax);
  const counts = t._counts as Float64Array;
  // No bucket can pass 2^53 while the total does not (checked per bucket only then).
  if (t._totalCount + total > Number.MAX_SAFE_INTEGER) {
    for (let i = 0; i < n; i++) {
      if (counts[pi[i]!]! + pc[i]! > Number.MAX_SAFE_INTEGER) throw bad(`adding bucket ${pi[i]} would take its count above 2^53`);
    }
  }
  for (let i = 0; i < n; i++) counts[pi[i]!]! += pc[i]!;
  t._totalCount += total;
  const fMin = minIndex >= 0 ? t.valueFromIndex(minIndex) : -1;
  if (t.bucketCount === fBuckets) {
    // The library's same-layout merge.
    t.maxValue = Math.max(t.maxValue, fMax);
    const m = Math.min(t.minNonZeroValue, fMin >= 0 ? fMin : Number.MAX_SAFE_INTEGER);
    if (m > 0) t.minNonZeroValue = Math.floor(m);
  } else {
    // The library's value-by-value merge (recordCountAtValue at each bucket's lowest value).
    const top = t.valueFromIndex(fMaxIndex);
    if (top > t.maxValue) t.maxValue = top;
    if (fMin > 0 && fMin < t.minNonZeroValue) t.minNonZeroValue = fMin;
  }
}

function isStandard(t: Internals): boolean {
  return t._counts instanceof Float64Array && t.autoResize === true && t.subBucketCount === STANDARD.subBucketCount && t.unitMagnitude === STANDARD.unitMagnitude;
}

/** Another layout or target: the library's decode and merges (the payload was checked above, sizes included). */
function libraryAdd(target: Histogram, raw: Uint8Array): void {
  try {
    const intermediate = newStandardHistogram();
    intermediate.add(JsHistogram.decode(raw, 64, 0));
    target.add(intermediate);
  } catch (cause) {
    throw bad(cause instanceof Error ? cause.message : String(cause), cause);
  }
}
