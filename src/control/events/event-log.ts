/** One thing that happened, as the controller stores and streams it. */
export interface ControllerEvent {
  /** Monotonic id (the store's row id once persisted): SSE clients resume from it. */
  id: number;
  at: number;
  /** e.g. pod-joined, pod-gone, drift, refit, proposal, validation, decision, feedback, run-started, alert. */
  kind: string;
  service?: string;
  data: Record<string, unknown>;
}

export type EventListener = (e: ControllerEvent) => void;

/**
 * The recent events in memory, in id order, with subscribers (the SSE
 * stream, alert rules, `ctl events --follow`). A listener that throws is
 * removed and never breaks the others; older events are read from the store.
 */
export class EventLog {
  private readonly recent: ControllerEvent[] = [];
  private readonly listeners = new Set<EventListener>();
  private lastId: number;
  /** Listeners removed because they threw. */
  listenerFailures = 0;

  constructor(private readonly capacity = 10_000, startAfterId = 0) {
    this.lastId = startAfterId;
  }

  /**
   * Adds an event; `id` is the store's id when the caller persisted it first
   * (it must be higher than the last), else the next one here.
   */
  append(e: Omit<ControllerEvent, 'id'> & { id?: number }): ControllerEvent {
    const id = e.id ?? this.lastId + 1;
    if (id <= this.lastId) throw new RangeError(`event id ${id} is not after ${this.lastId}`);
    this.lastId = id;
    const ev: ControllerEvent = { id, at: e.at, kind: e.kind, ...(e.service !== undefined ? { service: e.service } : {}), data: e.data };
    this.recent.push(ev);
    if (this.recent.length > this.capacity) this.recent.splice(0, this.recent.length - this.capacity);
    for (const l of [...this.listeners]) {
      try { l(ev); } catch { this.listeners.delete(l); this.listenerFailures++; }
    }
    return ev;
  }

  /** Events after `id` held in memory (oldest first, at most `limit`); `complete` false when older ones were evicted. */
  since(id: number, limit = 1_000): { events: ControllerEvent[]; complete: boolean } {
    const first = this.recent[0];
    const complete = first === undefined || first.id <= id + 1 || id >= this.lastId;
    let lo = 0;
    let hi = this.recent.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.recent[mid]!.id <= id) lo = mid + 1; else hi = mid; }
    return { events: this.recent.slice(lo, lo + limit), complete };
  }

  subscribe(l: EventListener): () => void {
    this.listeners.add(l);
    return () => { this.listeners.delete(l); };
  }

  get latestId(): number { return this.lastId; }
  get subscribers(): number { return this.listeners.size; }
}
