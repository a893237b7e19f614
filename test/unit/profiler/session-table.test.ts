import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/common/index.js';
import { DistinctCounter } from '../../../src/profiler/model/distinct-counter.js';
import { SessionTable } from '../../../src/profiler/model/session-table.js';

describe('SessionTable', () => {
  it('agrees with a Map under random inserts, updates and removals (growth and backward-shift deletes)', () => {
    const rnd = seededRandom(7);
    const table = new SessionTable(16);
    const ref = new Map<number, { last: number; state: number; length: number }>();
    for (let step = 0; step < 50_000; step++) {
      // A small key space forces collisions, clusters and wrap-around.
      const key = Math.floor(rnd() * 3000);
      const slot = table.find(key);
      expect(slot >= 0).toBe(ref.has(key));
      const op = rnd();
      if (slot < 0) {
        table.insert(key, step, key % 7);
        ref.set(key, { last: step, state: key % 7, length: 1 });
      } else if (op < 0.4) {
        table.remove(slot);
        ref.delete(key);
      } else {
        table.advance(slot, step, step % 5);
        const r = ref.get(key)!;
        r.last = step; r.state = step % 5; r.length++;
      }
    }
    expect(table.size).toBe(ref.size);
    for (const [key, r] of ref) {
      const slot = table.find(key);
      expect([table.last(slot), table.state(slot), table.length(slot)]).toEqual([r.last, r.state, r.length]);
    }
    expect([...table.entries()].length).toBe(ref.size);
  });
});

describe('DistinctCounter', () => {
  it.each([50, 5_000, 300_000])('estimates %i distinct keys within 5%', (n) => {
    const c = new DistinctCounter();
    const rnd = seededRandom(n);
    const keys = new Set<number>();
    while (keys.size < n) keys.add(Math.floor(rnd() * 2 ** 30));
    for (const k of keys) { c.add(k); c.add(k); }
    expect(Math.abs(c.estimate() - n) / n).toBeLessThan(0.05);
  });
});

describe('SessionTable.sweep', () => {
  it('closes exactly the sessions idle past the cutoff and keeps the rest findable', () => {
    const table = new SessionTable(16);
    for (let k = 0; k < 1000; k++) table.insert(k, k, k % 3);
    for (let k = 0; k < 1000; k += 2) table.advance(table.find(k), 2000 + k, 1);
    const closed: Array<[number, number]> = [];
    table.sweep(999, (state, length) => closed.push([state, length]));
    expect(closed).toHaveLength(500);
    expect(closed.every(([, length]) => length === 1)).toBe(true);
    expect(table.size).toBe(500);
    for (let k = 0; k < 1000; k++) expect(table.find(k) >= 0).toBe(k % 2 === 0);
    expect(table.length(table.find(10))).toBe(2);
  });

  it('sweeps in place (heavy collisions, runs wrapping past the end) exactly like a reference', () => {
    const rnd = seededRandom(11);
    for (let round = 0; round < 20; round++) {
      const table = new SessionTable(64);
      const ref = new Map<number, { last: number; state: number; length: number }>();
      // Up to 30 keys in 64 slots: long probe runs; keys spread so runs wrap.
      for (let step = 0; step < 400; step++) {
        const key = Math.floor(rnd() * 2 ** 30);
        if (ref.size >= 30) break;
        if (table.find(key) >= 0) continue;
        table.insert(key, step, step % 4);
        ref.set(key, { last: step, state: step % 4, length: 1 });
      }
      const cutoff = Math.floor(rnd() * 30);
      const closed: number[] = [];
      // roomFor 16 keeps the size (64 slots): the in-place path.
      table.sweep(cutoff, (state) => closed.push(state), 16);
      const expected = [...ref.values()].filter((r) => r.last <= cutoff).map((r) => r.state).sort();
      expect(closed.sort()).toEqual(expected);
      for (const [key, r] of ref) expect(table.find(key) >= 0).toBe(r.last > cutoff);
      expect(table.size).toBe(ref.size - expected.length);
    }
  });
});
