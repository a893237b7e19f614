/**
 * Open sessions keyed by a 30-bit key hash, in typed arrays with linear
 * probing. Profiling touches this once per log line with tens of thousands
 * of sessions open; a JS Map of objects costs several cache misses per
 * lookup there, these arrays about one.
 */
export class SessionTable {
  private keys!: Int32Array;
  private lasts!: Float64Array;
  private states!: Int32Array;
  private lengths!: Int32Array;
  private mask = 0;
  private count = 0;

  constructor(capacity = 1 << 12) {
    this.allocate(1 << Math.ceil(Math.log2(Math.max(16, capacity))));
  }

  get size(): number {
    return this.count;
  }

  /** Slot of `key`, or -1. Keys are non-negative (30-bit hashes). */
  find(key: number): number {
    let i = (Math.imul(key, 0x9e3779b1) >>> 0) & this.mask;
    for (;;) {
      const k = this.keys[i]!;
      if (k === key) return i;
      if (k === -1) return -1;
      i = (i + 1) & this.mask;
    }
  }

  /** Inserts a new session (the key must not be present); returns its slot. */
  insert(key: number, last: number, state: number): number {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    let i = (Math.imul(key, 0x9e3779b1) >>> 0) & this.mask;
    while (this.keys[i] !== -1) i = (i + 1) & this.mask;
    this.keys[i] = key;
    this.lasts[i] = last;
    this.states[i] = state;
    this.lengths[i] = 1;
    this.count++;
    return i;
  }

  last(slot: number): number { return this.lasts[slot]!; }
  state(slot: number): number { return this.states[slot]!; }
  length(slot: number): number { return this.lengths[slot]!; }

  /** Records one more request of the session in `slot`. */
  advance(slot: number, last: number, state: number): void {
    this.lasts[slot] = last;
    this.states[slot] = state;
    this.lengths[slot]!++;
  }

  /** Restarts the session in `slot` (after an inactivity gap). */
  restart(slot: number, last: number, state: number): void {
    this.lasts[slot] = last;
    this.states[slot] = state;
    this.lengths[slot] = 1;
  }

  /** Removes the entry in `slot` (backward-shift deletion: no tombstones to slow later probes). */
  remove(slot: number): void {
    let hole = slot;
    let i = slot;
    for (;;) {
      i = (i + 1) & this.mask;
      const k = this.keys[i]!;
      if (k === -1) break;
      const home = (Math.imul(k, 0x9e3779b1) >>> 0) & this.mask;
      // Move the entry back only if its home is not cyclically within (hole, i].
      if (((i - home) & this.mask) >= ((i - hole) & this.mask)) {
        this.keys[hole] = k;
        this.lasts[hole] = this.lasts[i]!;
        this.states[hole] = this.states[i]!;
        this.lengths[hole] = this.lengths[i]!;
        hole = i;
      }
    }
    this.keys[hole] = -1;
    this.count--;
  }

  /**
   * Removes every session whose last request is at or before `cutoff`,
   * calling `closed(state, length)` for each, by rebuilding the table from
   * the survivors: a sequential pass, cheaper than finding entries one by
   * one in time order.
   */
  sweep(cutoff: number, closed: (state: number, length: number) => void, roomFor = 0): void {
    let live = 0;
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== -1 && this.lasts[i]! > cutoff) live++;
    // Room for `roomFor` sessions at half load, so the table need not grow before the next sweep.
    this.rehash(1 << Math.ceil(Math.log2(Math.max(16, live * 2, roomFor * 2))), cutoff, closed);
  }

  /** Every open session's (state, length). */
  *entries(): Generator<{ state: number; length: number }> {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== -1) yield { state: this.states[i]!, length: this.lengths[i]! };
  }

  clear(): void {
    this.keys.fill(-1);
    this.count = 0;
  }

  private grow(): void {
    this.rehash(this.keys.length * 2, -Infinity);
  }

  private allocate(size: number): void {
    this.keys = new Int32Array(size).fill(-1);
    this.lasts = new Float64Array(size);
    this.states = new Int32Array(size);
    this.lengths = new Int32Array(size);
    this.mask = size - 1;
    this.count = 0;
  }

  /** Re-inserts every entry into a table of `size` slots; entries last seen at or before `cutoff` are closed instead. */
  private rehash(size: number, cutoff: number, closed?: (state: number, length: number) => void): void {
    const { keys, lasts, states, lengths } = this;
    this.allocate(size);
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === -1) continue;
      if (lasts[i]! <= cutoff) { closed?.(states[i]!, lengths[i]!); continue; }
      const slot = this.insert(keys[i]!, lasts[i]!, states[i]!);
      this.lengths[slot] = lengths[i]!;
    }
  }
}
