import type { SparseCounts } from './count-runs.js';

const PAGE = 1024;
/** Pages allocated without a budget check (64 KiB). */
const FREE_PAGES = 16;
/** Past the free pages, page slots may not exceed this many per count added (64 bytes a count). */
const SLOTS_PER_ADD = 16;

/**
 * Counts per integer slot (an epoch second, a step) in bounded memory.
 * Slots live in pages of 1024 typed-array counters, allocated where counts
 * land, so a quiet week between two busy days costs nothing and the hot path
 * is one division, one compare and an increment (the page of the last count
 * is cached). Page memory is capped at 64 bytes per count added: slots that
 * land in a new page past that budget (scattered outliers: one count per
 * page) are kept in a Map instead, so no slot, however far from the others,
 * allocates in proportion to the distance.
 */
export class PagedCounts {
  private readonly pages = new Map<number, Uint32Array>();
  private readonly sparse = new Map<number, number>();
  private page = NaN;
  private current: Uint32Array = new Uint32Array(0);
  private adds = 0;

  add(slot: number): void {
    this.adds++;
    const p = Math.floor(slot / PAGE);
    if (p === this.page) this.current[slot - p * PAGE]!++;
    else this.addSlow(slot, p);
  }

  private addSlow(slot: number, p: number): void {
    let page = this.pages.get(p);
    if (!page) {
      if (this.pages.size >= FREE_PAGES && (this.pages.size + 1) * PAGE > SLOTS_PER_ADD * this.adds) {
        this.sparse.set(slot, (this.sparse.get(slot) ?? 0) + 1);
        return;
      }
      page = new Uint32Array(PAGE);
      this.pages.set(p, page);
    }
    this.page = p;
    this.current = page;
    page[slot - p * PAGE]!++;
  }

  /** Bytes held by pages (for tests of the bound). */
  get pageBytes(): number {
    return this.pages.size * PAGE * 4;
  }

  /** Populated slots, ascending. */
  entries(): SparseCounts {
    const slots: number[] = [];
    const counts: number[] = [];
    for (const p of [...this.pages.keys()].sort((a, b) => a - b)) {
      const page = this.pages.get(p)!;
      for (let i = 0; i < PAGE; i++) if (page[i]) { slots.push(p * PAGE + i); counts.push(page[i]!); }
    }
    if (this.sparse.size === 0) return { slots, counts };
    // Slots counted in the Map before their page existed are added to the page's count.
    const extra = [...this.sparse.entries()].sort((a, b) => a[0] - b[0]);
    const outSlots: number[] = [];
    const outCounts: number[] = [];
    let i = 0;
    let j = 0;
    while (i < slots.length || j < extra.length) {
      const x = i < slots.length ? slots[i]! : Infinity;
      const y = j < extra.length ? extra[j]![0] : Infinity;
      if (x === y) { outSlots.push(x); outCounts.push(counts[i++]! + extra[j++]![1]); }
      else if (x < y) { outSlots.push(x); outCounts.push(counts[i++]!); }
      else { outSlots.push(y); outCounts.push(extra[j++]![1]); }
    }
    return { slots: outSlots, counts: outCounts };
  }
}
