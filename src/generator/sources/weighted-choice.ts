/**
 * Draws one of `items` by weight from a uniform number: a cumulative array
 * and a binary search, built once (no allocation per draw).
 */
export class WeightedChoice<T> {
  readonly items: readonly T[];
  private readonly cum: Float64Array;

  constructor(items: readonly T[], weights: readonly number[]) {
    this.items = items;
    this.cum = new Float64Array(items.length);
    let acc = 0;
    for (let i = 0; i < items.length; i++) { acc += Math.max(0, weights[i] ?? 0); this.cum[i] = acc; }
  }

  /** Total weight (0: nothing to draw). */
  get total(): number {
    return this.cum.length ? this.cum[this.cum.length - 1]! : 0;
  }

  /** The item for `u` in [0, 1); undefined when the total weight is 0. */
  pick(u: number): T | undefined {
    const total = this.total;
    if (total <= 0) return undefined;
    const target = u * total;
    let lo = 0;
    let hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cum[mid]! <= target) lo = mid + 1;
      else hi = mid;
    }
    return this.items[lo];
  }
}
