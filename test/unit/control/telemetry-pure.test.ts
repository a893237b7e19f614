import { describe, expect, it } from 'vitest';
import { backoffCeilingMs, backoffDelayMs, cutBatches, RecentBatches, TokenBucket } from '../../../src/control/index.js';

describe('backoff with full jitter', () => {
  it('doubles from the initial cap up to the maximum and stays there', () => {
    const o = { initialMs: 100, maxMs: 5000 };
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffCeilingMs(a, o))).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    expect(backoffCeilingMs(10_000, o)).toBe(5000);
    expect(backoffCeilingMs(0)).toBe(200);
    expect(backoffCeilingMs(100)).toBe(30_000);
  });

  it('draws uniformly below the cap: 0 at random 0, just under the cap at random → 1', () => {
    const o = { initialMs: 100, maxMs: 5000 };
    expect(backoffDelayMs(3, () => 0, o)).toBe(0);
    expect(backoffDelayMs(3, () => 0.999_999, o)).toBe(799);
    expect(backoffDelayMs(3, () => 0.5, o)).toBe(400);
    let seed = 3;
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const draws = Array.from({ length: 2000 }, () => backoffDelayMs(20, rnd, o));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(5000);
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean).toBeGreaterThan(2250);
    expect(mean).toBeLessThan(2750);
  });
});

describe('cutBatches', () => {
  it('cuts by count and by bytes in order, and sets aside items too large alone', () => {
    const items = [5, 5, 5, 5, 5, 50, 5, 20, 20];
    const { batches, tooLarge } = cutBatches(items, (x) => x, 3, 30);
    expect(tooLarge).toEqual([50]);
    expect(batches).toEqual([[5, 5, 5], [5, 5, 5], [20], [20]]);
    expect(cutBatches([], (x: number) => x, 3, 30)).toEqual({ batches: [], tooLarge: [] });
  });
});

describe('RecentBatches', () => {
  it('commits a batch id once per sender, and the same id of another sender again', async () => {
    const r = new RecentBatches(4);
    let commits = 0;
    const commit = async (): Promise<void> => { commits++; };
    expect(await r.once('a', '1', commit)).toBe(false);
    expect(await r.once('a', '1', commit)).toBe(true);
    expect(await r.once('b', '1', commit)).toBe(false);
    expect(commits).toBe(2);
  });

  it('makes a duplicate of a batch still committing wait for that commit', async () => {
    const r = new RecentBatches();
    let release!: () => void;
    let commits = 0;
    const first = r.once('a', 'x', () => { commits++; return new Promise<void>((res) => { release = res; }); });
    let dupDone = false;
    const dup = r.once('a', 'x', async () => { commits++; }).then((d) => { dupDone = true; return d; });
    await Promise.resolve();
    expect(dupDone).toBe(false);
    release();
    expect(await first).toBe(false);
    expect(await dup).toBe(true);
    expect(commits).toBe(1);
  });

  it('forgets a failed commit so the resend commits', async () => {
    const r = new RecentBatches();
    await expect(r.once('a', 'x', async () => { throw new Error('disk full'); })).rejects.toThrow('disk full');
    let commits = 0;
    expect(await r.once('a', 'x', async () => { commits++; })).toBe(false);
    expect(commits).toBe(1);
  });

  it('stays bounded: per sender and in senders, the oldest forgotten first', async () => {
    const r = new RecentBatches(3, 2);
    const ok = async (): Promise<void> => {};
    for (const id of ['1', '2', '3', '4']) await r.once('a', id, ok);
    expect(r.size).toBe(3);
    expect(await r.once('a', '1', ok)).toBe(false); // forgotten: committed again
    expect(await r.once('a', '4', ok)).toBe(true);
    await r.once('b', '1', ok);
    await r.once('c', '1', ok); // evicts a, the least recently used sender
    expect(await r.once('b', '1', ok)).toBe(true);
    expect(await r.once('a', '4', ok)).toBe(false);
  });
});

describe('TokenBucket', () => {
  it('lets a burst through, then asks to wait in proportion to the debt', () => {
    let t = 0;
    const b = new TokenBucket(100, 200, () => t);
    expect(b.take(200)).toBe(0);
    expect(b.take(50)).toBe(500);
    t = 500;
    expect(b.take(0)).toBe(0);
    t = 1500;
    expect(b.take(100)).toBe(0);
    expect(b.take(150)).toBe(1500);
  });
});
