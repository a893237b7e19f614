import { describe, expect, it } from 'vitest';
import { DeadlineList, type DeadlineEntry } from '../../../src/proxy/deadline-list.js';

function entry(log: string[], name: string): DeadlineEntry {
  return { dlPrev: undefined, dlNext: undefined, dlAt: 0, dlList: undefined, onDeadline: () => log.push(name) };
}

describe('DeadlineList', () => {
  it('fires each entry at its own deadline, in order, and never a removed one', async () => {
    const list = new DeadlineList(50);
    const log: string[] = [];
    const [a, b, c] = [entry(log, 'a'), entry(log, 'b'), entry(log, 'c')];
    const t0 = performance.now();
    list.add(a);
    await new Promise((r) => setTimeout(r, 20));
    list.add(b);
    list.add(c);
    list.remove(a); // the head leaves early: the timer wakes, fires nothing, re-arms for b
    const cFired = new Promise<void>((resolve) => { c.onDeadline = () => { log.push('c'); resolve(); }; });
    const fired = await new Promise<number>((resolve) => { b.onDeadline = () => { log.push('b'); resolve(performance.now() - t0); }; });
    expect(fired).toBeGreaterThanOrEqual(68);
    await cFired;
    expect(log).toEqual(['b', 'c']);
    expect(list.empty).toBe(true);
  });

  it('re-adding moves an entry to the back with a fresh deadline', () => {
    const list = new DeadlineList(1000);
    const log: string[] = [];
    const [a, b] = [entry(log, 'a'), entry(log, 'b')];
    list.add(a, 0);
    list.add(b, 10);
    list.add(a, 20);
    expect(a.dlAt).toBe(1020);
    expect(b.dlPrev).toBeUndefined();
    expect(b.dlNext).toBe(a);
    list.remove(a);
    list.remove(b);
    expect(list.empty).toBe(true);
    list.close();
  });
});
