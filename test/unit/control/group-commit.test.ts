import { describe, expect, it } from 'vitest';
import { GroupCommitter } from '../../../src/control/ingest/group-commit.js';

describe('group commit', () => {
  it('items submitted in one turn are flushed together; each gets its own result or error', async () => {
    const calls: number[][] = [];
    const g = new GroupCommitter<number, string>((items) => { calls.push(items); return items.map((i) => (i === 3 ? new Error('bad 3') : `ok ${i}`)); });
    const ps = [1, 2, 3, 4].map((i) => g.submit(i).then((r) => r, (e: Error) => e.message));
    expect(await Promise.all(ps)).toEqual(['ok 1', 'ok 2', 'bad 3', 'ok 4']);
    expect(calls).toEqual([[1, 2, 3, 4]]);
    const later = await g.submit(5);
    expect(later).toBe('ok 5');
    expect(calls).toEqual([[1, 2, 3, 4], [5]]);
    expect(g.groups).toBe(2);
    expect(g.largest).toBe(4);
  });

  it('a flush that throws rejects its whole group and the next group still runs', async () => {
    let fail = true;
    const g = new GroupCommitter<number, number>((items) => { if (fail) throw new Error('disk full'); return items; });
    const first = Promise.allSettled([g.submit(1), g.submit(2)]);
    expect((await first).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await g.submit(3)).toBe(3);
  });

  it('a full group flushes at once without waiting for the turn to end', async () => {
    const sizes: number[] = [];
    const g = new GroupCommitter<number, number>((items) => { sizes.push(items.length); return items; }, 3);
    await Promise.all([1, 2, 3, 4, 5].map((i) => g.submit(i)));
    expect(sizes).toEqual([3, 2]);
  });
});
