/** An entry of a `DeadlineList`: the list's links live on the entry itself (no allocation per add). */
export interface DeadlineEntry {
  dlPrev: DeadlineEntry | undefined;
  dlNext: DeadlineEntry | undefined;
  dlAt: number;
  dlList: DeadlineList | undefined;
  onDeadline(): void;
}

/**
 * Deadlines of one fixed duration, to the millisecond, for the request path.
 * Every entry gets the same timeout, so insertion order is deadline order:
 * a doubly linked list threaded through the entries and one timer armed for
 * the head. `add` and `remove` are a few pointer writes; the timer is not
 * re-armed when the head leaves early, it wakes at the old deadline and
 * re-arms for the new head. (undici's headers timeout runs on a 0.5 s tick:
 * a 1 s timeout answered after up to 1.5 s.)
 */
export class DeadlineList {
  readonly ms: number;
  private head: DeadlineEntry | undefined;
  private tail: DeadlineEntry | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(ms: number) {
    this.ms = ms;
  }

  add(e: DeadlineEntry, now = performance.now()): void {
    if (e.dlList) e.dlList.remove(e);
    e.dlAt = now + this.ms;
    e.dlList = this;
    e.dlNext = undefined;
    e.dlPrev = this.tail;
    if (this.tail) this.tail.dlNext = e;
    else this.head = e;
    this.tail = e;
    if (this.timer === undefined) this.arm(e.dlAt, now);
  }

  remove(e: DeadlineEntry): void {
    if (e.dlList !== this) return;
    if (e.dlPrev) e.dlPrev.dlNext = e.dlNext;
    else this.head = e.dlNext;
    if (e.dlNext) e.dlNext.dlPrev = e.dlPrev;
    else this.tail = e.dlPrev;
    e.dlPrev = e.dlNext = undefined;
    e.dlList = undefined;
  }

  get empty(): boolean {
    return this.head === undefined;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(at: number, now: number): void {
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(at - now)));
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    // Timers may wake a fraction of a millisecond before performance.now() agrees.
    while (this.head !== undefined && this.head.dlAt <= now + 1) {
      const e = this.head;
      this.remove(e);
      e.onDeadline();
    }
    if (this.head !== undefined) this.arm(this.head.dlAt, now);
  };
}
