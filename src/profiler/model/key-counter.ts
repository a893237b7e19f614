/**
 * Counts per 30-bit key for up to `capacity` distinct keys (later new keys
 * are ignored), in typed arrays with linear probing: the per-line client
 * count of the profiler, where a Map cost several cache misses per lookup.
 */
export class KeyCounter {
  private readonly keys: Int32Array;
  private readonly counts: Float64Array;
  private readonly mask: number;
  private used = 0;

  constructor(readonly capacity = 10_000) {
    const size = 1 << Math.ceil(Math.log2(capacity * 2 + 1));
    this.keys = new Int32Array(size).fill(-1);
    this.counts = new Float64Array(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.used;
  }

  /** Adds one to `key`; returns true when the key was new and admitted (the caller may keep its name). */
  add(key: number): boolean {
    let i = (Math.imul(key, 0x9e3779b1) >>> 0) & this.mask;
    for (;;) {
      const k = this.keys[i]!;
      if (k === key) { this.counts[i]!++; return false; }
      if (k === -1) break;
      i = (i + 1) & this.mask;
    }
    if (this.used >= this.capacity) return false;
    this.keys[i] = key;
    this.counts[i] = 1;
    this.used++;
    return true;
  }

  /** The `n` keys with the highest counts. */
  top(n: number): Array<[key: number, count: number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== -1) out.push([this.keys[i]!, this.counts[i]!]);
    return out.sort((a, b) => b[1] - a[1]).slice(0, n);
  }
}
