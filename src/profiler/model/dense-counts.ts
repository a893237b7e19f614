/**
 * Counts per integer index (a time step or second relative to the first
 * record) in one growable typed array: 4 bytes per slot instead of a Map
 * entry (~40 bytes and two hash lookups per line). Indices may be negative
 * (logs are not strictly ordered); the array grows at either end.
 */
export class DenseCounts {
  private counts = new Uint32Array(1024);
  /** Index of counts[0]. */
  private lo = 0;
  private empty = true;

  add(index: number): void {
    if (this.empty) { this.lo = index - 256; this.empty = false; }
    let i = index - this.lo;
    if (i < 0 || i >= this.counts.length) i = this.grow(index);
    this.counts[i]!++;
  }

  get(index: number): number {
    const i = index - this.lo;
    return i >= 0 && i < this.counts.length ? this.counts[i]! : 0;
  }

  /** Counts of indices first..last inclusive (0 where nothing was added). */
  range(first: number, last: number): number[] {
    const out = new Array<number>(Math.max(0, last - first + 1));
    for (let i = 0; i < out.length; i++) out[i] = this.get(first + i);
    return out;
  }

  /** Doubles until `index` fits, keeping room on the side it grew; returns its slot. */
  private grow(index: number): number {
    const hi = this.lo + this.counts.length;
    const newLo = Math.min(this.lo, index);
    const need = Math.max(hi, index + 1) - newLo;
    let size = this.counts.length;
    while (size < need) size *= 2;
    // Spare room goes on the side that grew: logs run forward, sometimes a little backward.
    const lo = index < this.lo ? Math.max(hi, index + 1) - size : newLo;
    const next = new Uint32Array(size);
    next.set(this.counts, this.lo - lo);
    this.counts = next;
    this.lo = lo;
    return index - lo;
  }
}
