import { Http1Connection, type Http1Callback } from './http1-connection.js';

interface Waiting {
  request: Buffer;
  isHead: boolean;
  since: number;
  done: Http1Callback;
}

/** One connection and the request it is serving (made once per connection, reused for every request). */
class Slot {
  readonly conn: Http1Connection;
  /** The caller's callback while busy; undefined when idle. */
  done: Http1Callback | undefined;
  since = 0;
  /** Given to the connection: made once, so a request costs no closure here. */
  readonly onDone: Http1Callback;

  constructor(host: string, port: number, pool: Http1Pool) {
    this.conn = new Http1Connection(host, port);
    this.onDone = (err, status, bytes) => pool.settle(this, err, status, bytes);
  }
}

function poolError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/**
 * Keep-alive HTTP/1.1 connections to one origin for plain-http runs without
 * faults (both models): pre-rendered request bytes over `Http1Connection`s, at
 * most `max` of them, the most recently used idle one first, so only as many
 * connections are opened as requests are outstanding at once (undici's pool
 * opened ~150 in bursts in a run's first second at 5,000 req/s). A request
 * finding every connection busy waits in FIFO order. Timeouts are checked
 * by one sweep timer rather than a timer per request; a timed-out
 * connection is dropped (its response could still arrive). undici's
 * per-request objects were ~6 KB of garbage a request; here a request
 * allocates nothing in the pool.
 */
export class Http1Pool {
  private readonly idle: Slot[] = [];
  private readonly slots = new Set<Slot>();
  private readonly waiting: Array<Waiting | undefined> = [];
  private waitingHead = 0;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly host: string, private readonly port: number, private readonly max: number, private readonly timeoutMs: number) {
    // Granularity: a tenth of the timeout, between 10 ms and 250 ms.
    this.sweeper = setInterval(() => this.sweep(), Math.max(10, Math.min(250, timeoutMs / 10)));
    this.sweeper.unref();
  }

  /** Connections open or being opened. */
  get size(): number {
    return this.slots.size;
  }

  /** Sends `request`; `done` gets the status and body bytes, or an error (`ST_TIMEOUT`, `ST_CONNECT_TIMEOUT`, `ECONNREFUSED`, `ECONNRESET`…). */
  send(request: Buffer, isHead: boolean, done: Http1Callback): void {
    if (this.closed) { done(poolError('UND_ERR_DESTROYED', 'pool closed'), 0, 0); return; }
    const slot = this.idle.pop() ?? (this.slots.size < this.max ? this.open() : undefined);
    if (slot) this.dispatch(slot, request, isHead, performance.now(), done);
    else this.waiting.push({ request, isHead, since: performance.now(), done });
  }

  private open(): Slot {
    const slot = new Slot(this.host, this.port, this);
    this.slots.add(slot);
    return slot;
  }

  private dispatch(slot: Slot, request: Buffer, isHead: boolean, since: number, done: Http1Callback): void {
    slot.done = done;
    slot.since = since;
    slot.conn.exchange(request, isHead, slot.onDone);
  }

  /** @internal A connection's request ended (called through its slot). */
  settle(slot: Slot, err: NodeJS.ErrnoException | undefined, status: number, bytes: number): void {
    const done = slot.done;
    if (!done) return; // timed out or closed, and already answered
    slot.done = undefined;
    this.release(slot);
    done(err, status, bytes);
  }

  private takeWaiting(): Waiting | undefined {
    if (this.waitingHead >= this.waiting.length) return undefined;
    const w = this.waiting[this.waitingHead];
    this.waiting[this.waitingHead++] = undefined;
    // Compact now and then so the queue does not grow forever.
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) { this.waiting.splice(0, this.waitingHead); this.waitingHead = 0; }
    return w;
  }

  /** A connection free again: the oldest waiting request takes it, or it goes idle. */
  private release(slot: Slot): void {
    if (this.closed) { slot.conn.close(); return; }
    const w = this.takeWaiting();
    if (w) this.dispatch(slot, w.request, w.isHead, w.since, w.done);
    else this.idle.push(slot);
  }

  private sweep(): void {
    const deadline = performance.now() - this.timeoutMs;
    for (const slot of this.slots) {
      const done = slot.done;
      if (!done || slot.since > deadline) continue;
      slot.done = undefined;
      this.slots.delete(slot);
      // Never connected: the host is unreachable, which a circuit breaker treats unlike a slow answer.
      const err = slot.conn.connecting ? poolError('ST_CONNECT_TIMEOUT', 'connect timed out') : poolError('ST_TIMEOUT', 'request timed out');
      slot.conn.abort(err);
      done(err, 0, 0);
    }
    while (this.waitingHead < this.waiting.length && this.waiting[this.waitingHead]!.since <= deadline) {
      this.takeWaiting()!.done(poolError('ST_TIMEOUT', 'request timed out'), 0, 0);
    }
    // Connections dropped above are replaced for whoever still waits.
    while (this.slots.size < this.max) {
      const w = this.takeWaiting();
      if (!w) break;
      this.dispatch(this.open(), w.request, w.isHead, w.since, w.done);
    }
  }

  /** Closes every connection; requests in flight or waiting fail with UND_ERR_DESTROYED. */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    const err = poolError('UND_ERR_DESTROYED', 'pool closed');
    const busy: Array<[Slot, Http1Callback]> = [];
    for (const slot of this.slots) {
      if (slot.done) busy.push([slot, slot.done]);
      slot.done = undefined;
      slot.conn.abort(err);
    }
    this.slots.clear();
    this.idle.length = 0;
    const waiting = this.waiting.slice(this.waitingHead);
    this.waiting.length = 0;
    this.waitingHead = 0;
    for (const [, done] of busy) done(err, 0, 0);
    for (const w of waiting) w!.done(err, 0, 0);
  }
}
