/**
 * Slot layout: key + 1 (0 = empty, so a new table needs no fill), last
 * request time, state (route index), length: one 32-byte record, so a
 * lookup and its update touch one cache line.
 */
const KEY = 0;
const LAST = 1;
const STATE = 2;
const LENGTH = 3;
const STRIDE = 4;

/**
 * Open sessions keyed by a 30-bit key hash, in one typed array with linear
 * probing. Profiling touches this once per log line with tens of thousands
 * of sessions open; a JS Map of objects costs several cache misses per
 * lookup there, and so did separate arrays per field (one miss each): the
 * fields of a slot sit together.
 */
export class SessionTable {
  private slots!: Float64Array;
  private capacity = 0;
  private mask = 0;
  private count = 0;
  /** The empty slot where the last unsuccessful find stopped, and for which key: insert() right after it need not probe again. */
  private vacant = -1;
  private vacantFor = -1;

  constructor(capacity = 1 << 12) {
    this.allocate(1 << Math.ceil(Math.log2(Math.max(16, capacity))));
  }

  get size(): number {
    return this.count;
  }

  /** Slot of `key`, or -1. Keys are non-negative (30-bit hashes). */
  find(key: number): number {
    let i = this.home(key);
    const stored = key + 1;
    for (;;) {
      const k = this.slots[i * STRIDE]!;
      if (k === stored) return i;
      if (k === 0) { this.vacant = i; this.vacantFor = key; return -1; }
      i = (i + 1) & this.mask;
    }
  }

  /** Inserts a new session (the key must not be present); returns its slot. */
  insert(key: number, last: number, state: number, length = 1): number {
    if ((this.count + 1) * 2 > this.capacity) this.grow();
    let i: number;
    if (this.vacantFor === key && this.slots[this.vacant * STRIDE] === 0) i = this.vacant;
    else {
      i = this.home(key);
      while (this.slots[i * STRIDE] !== 0) i = (i + 1) & this.mask;
    }
    this.vacantFor = -1;
    const o = i * STRIDE;
    this.slots[o + KEY] = key + 1;
    this.slots[o + LAST] = last;
    this.slots[o + STATE] = state;
    this.slots[o + LENGTH] = length;
    this.count++;
    return i;
  }

  last(slot: number): number { return this.slots[slot * STRIDE + LAST]!; }
  state(slot: number): number { return this.slots[slot * STRIDE + STATE]!; }
  length(slot: number): number { return this.slots[slot * STRIDE + LENGTH]!; }

  /** Records one more request of the session in `slot`. */
  advance(slot: number, last: number, state: number): void {
    const o = slot * STRIDE;
    this.slots[o + LAST] = last;
    this.slots[o + STATE] = state;
    this.slots[o + LENGTH]!++;
  }

  /** Restarts the session in `slot` (after an inactivity gap). */
  restart(slot: number, last: number, state: number): void {
    const o = slot * STRIDE;
    this.slots[o + LAST] = last;
    this.slots[o + STATE] = state;
    this.slots[o + LENGTH] = 1;
  }

  /** Removes the entry in `slot` (backward-shift deletion: no tombstones to slow later probes). */
  remove(slot: number): void {
    const s = this.slots;
    this.vacantFor = -1;
    let hole = slot;
    let i = slot;
    for (;;) {
      i = (i + 1) & this.mask;
      const k = s[i * STRIDE]!;
      if (k === 0) break;
      const home = this.home(k - 1);
      // Move the entry back only if its home is not cyclically within (hole, i].
      if (((i - home) & this.mask) >= ((i - hole) & this.mask)) {
        s.copyWithin(hole * STRIDE, i * STRIDE, i * STRIDE + STRIDE);
        hole = i;
      }
    }
    s[hole * STRIDE] = 0;
    this.count--;
  }

  /**
   * Removes every session whose last request is at or before `cutoff`,
   * calling `closed(state, length)` for each, in place: one sequential pass
   * with backward-shift removal. Then the table is resized only if it lacks
   * room for `roomFor` sessions at half load or is over four times that.
   * Rebuilding every time allocated and zeroed the whole table per sweep,
   * ~8% of profiling a log with many short sessions.
   */
  sweep(cutoff: number, closed: (state: number, length: number) => void, roomFor = 0): void {
    const s = this.slots;
    this.vacantFor = -1;
    // Removal shifts later entries of a probe run back into the freed slot, so the slot is
    // looked at again. Entries only ever move into the freed slot or (after the hole wraps
    // past the end) among slots already passed, whose entries are all live: one pass suffices.
    for (let i = 0; i < this.capacity; i++) {
      while (s[i * STRIDE] !== 0 && s[i * STRIDE + LAST]! <= cutoff) {
        closed(s[i * STRIDE + STATE]!, s[i * STRIDE + LENGTH]!);
        this.remove(i);
      }
    }
    const size = 1 << Math.ceil(Math.log2(Math.max(16, this.count * 2, roomFor * 2)));
    if (size > this.capacity || size * 4 < this.capacity) this.rehash(size);
  }

  /** Every open session's (state, length). */
  *entries(): Generator<{ state: number; length: number }> {
    const s = this.slots;
    for (let o = 0; o < s.length; o += STRIDE) if (s[o] !== 0) yield { state: s[o + STATE]!, length: s[o + LENGTH]! };
  }

  clear(): void {
    this.slots.fill(0);
    this.count = 0;
  }

  /** The slot where probing for `key` starts (Fibonacci hashing: similar keys spread out). */
  private home(key: number): number {
    return (Math.imul(key, 0x9e3779b1) >>> 0) & this.mask;
  }

  private grow(): void {
    this.rehash(this.capacity * 2);
  }

  private allocate(size: number): void {
    this.slots = new Float64Array(size * STRIDE);
    this.capacity = size;
    this.mask = size - 1;
    this.vacantFor = -1;
    this.count = 0;
  }

  /** Re-inserts every entry into a table of `size` slots. */
  private rehash(size: number): void {
    const old = this.slots;
    this.allocate(size);
    for (let o = 0; o < old.length; o += STRIDE) {
      if (old[o] === 0) continue;
      this.insert(old[o + KEY]! - 1, old[o + LAST]!, old[o + STATE]!, old[o + LENGTH]!);
    }
  }
}
