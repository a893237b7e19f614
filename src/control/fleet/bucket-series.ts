/** One bucket of a count series: [at, at + resolutionMs). */
export interface CountBucket { at: number; count: number }

/**
 * Counts over time at a fixed resolution. A window's count is spread over the
 * buckets it overlaps in proportion to the overlap, so windows that do not
 * line up with the buckets (pods started at different times) still give the
 * right rate. Buckets older than `retentionMs` before the newest are dropped.
 */
export class BucketSeries {
  private readonly buckets = new Map<number, number>();
  private newest = -Infinity;

  constructor(readonly resolutionMs: number, readonly retentionMs: number) {
    if (!(resolutionMs > 0) || !(retentionMs >= resolutionMs)) throw new RangeError('resolution must be > 0 and retention ≥ resolution');
  }

  add(start: number, end: number, count: number): void {
    // A window of 0 requests still counts: an idle pod's rate reads 0, not its last busy window's.
    if (!(count >= 0) || !Number.isFinite(start) || !Number.isFinite(end)) return;
    const r = this.resolutionMs;
    if (end <= start) {
      this.bump(Math.floor(start / r) * r, count);
      return;
    }
    for (let b = Math.floor(start / r) * r; b < end; b += r) {
      const overlap = Math.min(end, b + r) - Math.max(start, b);
      if (overlap > 0) this.bump(b, (count * overlap) / (end - start));
    }
  }

  private bump(at: number, n: number): void {
    this.buckets.set(at, (this.buckets.get(at) ?? 0) + n);
    if (at > this.newest) {
      this.newest = at;
      this.prune();
    }
  }

  private prune(): void {
    const cut = this.newest - this.retentionMs;
    for (const at of this.buckets.keys()) if (at < cut) this.buckets.delete(at);
  }

  /** Buckets in [from, to) in time order, empty buckets included as 0 between the first and last seen. */
  points(from = -Infinity, to = Infinity): CountBucket[] {
    const keys = [...this.buckets.keys()].filter((k) => k >= from && k < to).sort((a, b) => a - b);
    if (keys.length === 0) return [];
    const out: CountBucket[] = [];
    for (let at = keys[0]!; at <= keys[keys.length - 1]!; at += this.resolutionMs) out.push({ at, count: this.buckets.get(at) ?? 0 });
    return out;
  }

  get size(): number { return this.buckets.size; }
}
