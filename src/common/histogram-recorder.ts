import { createHistogram, type Histogram } from './histogram.js';

/** Sub-bucket layout of createHistogram() (lowest 1, 3 significant digits): 2048 sub-buckets, half 1024. */
const HALF_MAGNITUDE = 10;
const HALF = 1 << HALF_MAGNITUDE;
const MASK = 2 * HALF - 1;

/**
 * A fast front for an HDR histogram on hot loops: counts go into a typed
 * array laid out exactly like createHistogram()'s buckets (same bucket for
 * every value), computed inline with clz32; toHistogram() replays the
 * non-empty buckets into a real histogram. hdr-histogram-js's recordValue
 * walks five calls per value, which was ~10% of profiling a log line.
 * Values of 2^32 and more (multi-GB bodies) go to the histogram directly.
 */
export class HistogramRecorder {
  private counts = new Float64Array(4 * HALF);
  private large: Histogram | undefined;
  private total = 0;
  /** Exact extremes: HDR reports the recorded min and max, not their buckets' lowest values. */
  private min = Infinity;
  private max = 0;

  /** Records a positive integer (values below 1 count as 1). */
  record(value: number): void {
    this.recordWithCount(value, 1);
  }

  /** Records `value` `count` times. */
  recordWithCount(value: number, count: number): void {
    if (count <= 0) return;
    this.total += count;
    if (value < 1) value = 1;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value >= 0x1_0000_0000) { (this.large ??= createHistogram()).recordValueWithCount(value, count); return; }
    const v = value >>> 0;
    // HDR's bucket index for values below 2^32: 21 − clz32(v | 2047); sub-bucket = v >> bucket.
    const bucket = 21 - Math.clz32(v | MASK);
    const index = ((bucket + 1) << HALF_MAGNITUDE) + ((v >>> bucket) - HALF);
    if (index >= this.counts.length) this.grow(index);
    this.counts[index]! += count;
  }

  get count(): number {
    return this.total;
  }

  /** A real HDR histogram with the same counts (bucket for bucket). */
  toHistogram(): Histogram {
    const h = createHistogram();
    const c = this.counts;
    for (let i = 0; i < c.length; i++) {
      const n = c[i]!;
      if (n === 0) continue;
      // Index → lowest value of its bucket (the inverse of record's arithmetic).
      const bucket = i < 2 * HALF ? 0 : (i >> HALF_MAGNITUDE) - 1;
      const sub = i < 2 * HALF ? i : (i & (HALF - 1)) + HALF;
      const lowest = sub * 2 ** bucket;
      const top = lowest + 2 ** bucket;
      // One count each at the exact min and max (same bucket), the rest at the bucket's lowest value.
      let rest = n;
      if (this.min >= lowest && this.min < top) { h.recordValue(this.min); rest--; }
      if (this.max >= lowest && this.max < top && rest > 0 && this.max !== this.min) { h.recordValue(this.max); rest--; }
      if (rest > 0) h.recordValueWithCount(lowest, rest);
    }
    if (this.large) h.add(this.large);
    return h;
  }

  private grow(index: number): void {
    let size = this.counts.length;
    while (size <= index) size *= 2;
    const next = new Float64Array(size);
    next.set(this.counts);
    this.counts = next;
  }
}
