/**
 * The batch ids each sender sent recently, so a batch resent after a lost
 * ack (at-least-once delivery) is committed once. Bounded: at most
 * `perSender` ids per sender and `maxSenders` senders, the oldest forgotten
 * first. A batch whose commit is still running is known too: its duplicate
 * waits for that commit instead of starting a second one.
 */
export class RecentBatches {
  private readonly senders = new Map<string, Map<string, Promise<void> | true>>();

  constructor(readonly perSender = 1024, readonly maxSenders = 10_000) {}

  private idsOf(sender: string): Map<string, Promise<void> | true> {
    let ids = this.senders.get(sender);
    if (ids !== undefined) {
      this.senders.delete(sender); // re-insert: most recently used last
    } else {
      ids = new Map();
      if (this.senders.size >= this.maxSenders) this.senders.delete(this.senders.keys().next().value!);
    }
    this.senders.set(sender, ids);
    return ids;
  }

  /**
   * Runs `commit` unless (sender, id) was committed or is being committed;
   * resolves true for a duplicate. A failed commit is forgotten, so its
   * resend commits again.
   */
  async once(sender: string, id: string, commit: () => Promise<void>): Promise<boolean> {
    const ids = this.idsOf(sender);
    const prior = ids.get(id);
    if (prior === true) return true;
    if (prior !== undefined) {
      try {
        await prior;
        return true;
      } catch {
        // The first attempt failed (and was forgotten): this one commits.
      }
    }
    const p = commit();
    ids.set(id, p);
    if (ids.size > this.perSender) ids.delete(ids.keys().next().value!);
    try {
      await p;
    } catch (err) {
      if (ids.get(id) === p) ids.delete(id);
      throw err;
    }
    if (ids.get(id) === p) ids.set(id, true);
    return false;
  }

  /** Ids remembered (all senders), for tests and metrics. */
  get size(): number {
    let n = 0;
    for (const ids of this.senders.values()) n += ids.size;
    return n;
  }
}
