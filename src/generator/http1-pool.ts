import { Http1Connection, type Http1Response } from './http1-connection.js';

interface Waiting {
  request: Buffer;
  isHead: boolean;
  since: number;
  done: (err: NodeJS.ErrnoException | undefined, r: Http1Response | undefined) => void;
}

interface Busy {
  since: number;
  done: Waiting['done'];
}

function timeoutError(): NodeJS.ErrnoException {
  return Object.assign(new Error('request timed out'), { code: 'ST_TIMEOUT' });
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
 * per-request objects were ~6 KB of garbage a request: young-generation
 * scavenges every ~70 ms at 5,000 req/s, each a pause the pacer felt.
 */
export class Http1Pool {
  private readonly idle: Http1Connection[] = [];
  private readonly busy = new Map<Http1Connection, Busy>();
  private readonly waiting: Waiting[] = [];
  private waitingHead = 0;
  private opened = 0;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly host: string, private readonly port: number, private readonly max: number, private readonly timeoutMs: number) {
    // Granularity: a tenth of the timeout, between 10 ms and 250 ms.
    this.sweeper = setInterval(() => this.sweep(), Math.max(10, Math.min(250, timeoutMs / 10)));
    this.sweeper.unref();
  }

  /** Connections open or being opened. */
  get size(): number {
    return this.opened;
  }

  /** Sends `request`; `done` gets the response or an error (`ST_TIMEOUT`, `ECONNREFUSED`, `ECONNRESET`…). */
  send(request: Buffer, isHead: boolean, done: Waiting['done']): void {
    if (this.closed) { done(Object.assign(new Error('pool closed'), { code: 'UND_ERR_DESTROYED' }), undefined); return; }
    let conn = this.idle.pop();
    if (!conn && this.opened < this.max) {
      conn = new Http1Connection(this.host, this.port);
      this.opened++;
    }
    if (!conn) { this.waiting.push({ request, isHead, since: performance.now(), done }); return; }
    this.dispatch(conn, request, isHead, performance.now(), done);
  }

  private dispatch(conn: Http1Connection, request: Buffer, isHead: boolean, since: number, done: Waiting['done']): void {
    this.busy.set(conn, { since, done });
    conn.send(request, isHead).then(
      (r) => this.settle(conn, undefined, r),
      (err: NodeJS.ErrnoException) => this.settle(conn, err, undefined),
    );
  }

  private settle(conn: Http1Connection, err: NodeJS.ErrnoException | undefined, r: Http1Response | undefined): void {
    const b = this.busy.get(conn);
    if (!b) return; // already timed out and answered
    this.busy.delete(conn);
    this.release(conn);
    b.done(err, r);
  }

  /** A connection free again: the oldest waiting request takes it, or it goes idle. */
  private release(conn: Http1Connection): void {
    if (this.closed) { conn.close(); return; }
    if (this.waitingHead < this.waiting.length) {
      const w = this.waiting[this.waitingHead]!;
      this.waiting[this.waitingHead++] = undefined as unknown as Waiting;
      if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) { this.waiting.splice(0, this.waitingHead); this.waitingHead = 0; }
      this.dispatch(conn, w.request, w.isHead, w.since, w.done);
      return;
    }
    this.idle.push(conn);
  }

  private sweep(): void {
    const deadline = performance.now() - this.timeoutMs;
    for (const [conn, b] of this.busy) {
      if (b.since > deadline) continue;
      this.busy.delete(conn);
      conn.abort(timeoutError());
      this.opened--;
      b.done(timeoutError(), undefined);
    }
    while (this.waitingHead < this.waiting.length && this.waiting[this.waitingHead]!.since <= deadline) {
      const w = this.waiting[this.waitingHead]!;
      this.waiting[this.waitingHead++] = undefined as unknown as Waiting;
      w.done(timeoutError(), undefined);
    }
    // Connections dropped above are replaced for whoever still waits.
    while (this.waitingHead < this.waiting.length && this.opened < this.max) {
      const w = this.waiting[this.waitingHead]!;
      this.waiting[this.waitingHead++] = undefined as unknown as Waiting;
      this.opened++;
      this.dispatch(new Http1Connection(this.host, this.port), w.request, w.isHead, w.since, w.done);
    }
  }

  /** Closes every connection; requests in flight or waiting fail with UND_ERR_DESTROYED. */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const c of this.idle.splice(0)) c.close();
    const err = Object.assign(new Error('pool closed'), { code: 'UND_ERR_DESTROYED' });
    const busy = [...this.busy];
    this.busy.clear();
    for (const [conn, b] of busy) { conn.abort(err); b.done(err, undefined); }
    const waiting = this.waiting.slice(this.waitingHead);
    this.waiting.length = 0;
    this.waitingHead = 0;
    for (const w of waiting) w.done(err, undefined);
    this.opened = 0;
  }
}
