/**
 * Coalesces writes that arrive in the same turn of the event loop into one
 * call of `flush` (one transaction, one fsync), resolving each submitter
 * with its own result. With 200 sidecars each committing its own batch, a
 * transaction per batch spends the event loop waiting on fsyncs; grouped,
 * one fsync covers every batch that arrived meanwhile. `flush` returns one
 * result per item (an Error rejects only that item's submitter); if it
 * throws, every item of the group is rejected with that error.
 */
export class GroupCommitter<T, R> {
  private queue: Array<{ item: T; resolve(r: R): void; reject(e: unknown): void }> = [];
  private scheduled = false;
  /** Groups flushed and the largest so far (for /metrics). */
  groups = 0;
  largest = 0;

  constructor(private readonly flush: (items: T[]) => Array<R | Error>, private readonly maxGroup = 1_000) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.maxGroup) this.run();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.run());
      }
    });
  }

  private run(): void {
    this.scheduled = false;
    const group = this.queue;
    if (group.length === 0) return;
    this.queue = [];
    this.groups++;
    this.largest = Math.max(this.largest, group.length);
    let results: Array<R | Error>;
    try {
      results = this.flush(group.map((g) => g.item));
    } catch (err) {
      for (const g of group) g.reject(err);
      return;
    }
    group.forEach((g, i) => {
      const r = results[i];
      if (r instanceof Error) g.reject(r);
      else g.resolve(r as R);
    });
  }
}
