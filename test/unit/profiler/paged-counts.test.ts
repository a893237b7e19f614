import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/common/index.js';
import { PagedCounts } from '../../../src/profiler/model/paged-counts.js';

function reference(slots: number[]): { slots: number[]; counts: number[] } {
  const m = new Map<number, number>();
  for (const s of slots) m.set(s, (m.get(s) ?? 0) + 1);
  const keys = [...m.keys()].sort((a, b) => a - b);
  return { slots: keys, counts: keys.map((k) => m.get(k)!) };
}

describe('PagedCounts', () => {
  it('counts like a Map: a log running forward, a little backward, and jumping far both ways', () => {
    const r = seededRandom(3);
    const slots: number[] = [];
    for (let i = 0; i < 20_000; i++) slots.push(1_700_000_000 + Math.floor(i / 3) - (r() < 0.05 ? Math.floor(r() * 3000) : 0));
    slots.push(0, 946_684_800, 4_102_444_800, -5, 1_700_000_000, 1_700_000_000);
    for (let i = 0; i < 500; i++) slots.push(Math.floor(r() * 4e9));
    const p = new PagedCounts();
    for (const s of slots) p.add(s);
    expect(p.entries()).toEqual(reference(slots));
  });

  it('holds memory in proportion to the counts, never to the span between them', () => {
    // Every count on its own page, across a century of seconds (the old dense array would need 12 GB).
    const r = seededRandom(9);
    const p = new PagedCounts();
    const slots: number[] = [];
    for (let i = 0; i < 50_000; i++) { const s = Math.floor(r() * 3.2e9); slots.push(s); p.add(s); }
    expect(p.pageBytes).toBeLessThanOrEqual(64 * 50_000 + 64 * 1024);
    expect(p.entries()).toEqual(reference(slots));
    // A single outlier before a busy day: one page for it, the day in its own pages.
    const q = new PagedCounts();
    q.add(0);
    for (let i = 0; i < 86_400; i++) q.add(1_700_000_000 + i);
    expect(q.pageBytes).toBeLessThanOrEqual((1 + Math.ceil(86_400 / 1024) + 1) * 4096);
  });
});
