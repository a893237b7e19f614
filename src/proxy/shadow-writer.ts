import { Pool, type Dispatcher } from 'undici';

export interface ShadowRequest {
  method: string;
  path: string;
  /** Flat `[name, value, ...]` list, already filtered and tagged. */
  headers: string[];
  body: Buffer | null;
  route: string;
}

export interface ShadowWriterOptions {
  maxInFlight: number;
  maxQueue: number;
  timeout: number;
}

/** What the writer reports; it never reports back to the primary path. */
export interface ShadowWriterHooks {
  sent(): void;
  dropped(reason: 'queue_full' | 'shutdown'): void;
  failed(code: string, req: ShadowRequest): void;
  completed(req: ShadowRequest, status: number, durationMs: number, resBytes: number): void;
  inFlight(n: number): void;
}

/**
 * Sends shadow copies to the secondary, fire-and-forget (Envoy's
 * ShadowWriter): `send` never throws and never waits. At most `maxInFlight`
 * requests are outstanding; up to `maxQueue` wait; beyond that requests are
 * dropped and counted. The secondary's response is drained and timed, never
 * returned to anyone.
 */
export class ShadowWriter {
  private readonly pool: Pool;
  private readonly queue: ShadowRequest[] = [];
  private queueHead = 0;
  private active = 0;
  private closed = false;
  private readonly opts: ShadowWriterOptions;
  private readonly hooks: ShadowWriterHooks;

  constructor(origin: string, opts: ShadowWriterOptions, hooks: ShadowWriterHooks) {
    this.opts = opts;
    this.hooks = hooks;
    this.pool = new Pool(origin, {
      connections: opts.maxInFlight,
      headersTimeout: opts.timeout,
      bodyTimeout: opts.timeout,
      connect: { timeout: Math.min(opts.timeout, 2000) },
    });
    // A dead secondary must not produce unhandled errors.
    this.pool.on('connectionError', () => undefined);
  }

  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  get inFlight(): number {
    return this.active;
  }

  send(req: ShadowRequest): void {
    if (this.closed) {
      this.hooks.dropped('shutdown');
      return;
    }
    if (this.active < this.opts.maxInFlight) {
      this.dispatch(req);
    } else if (this.queued < this.opts.maxQueue) {
      this.queue.push(req);
    } else {
      this.hooks.dropped('queue_full');
    }
  }

  private dispatch(req: ShadowRequest): void {
    this.active++;
    this.hooks.inFlight(this.active);
    this.hooks.sent();
    const start = performance.now();
    let status = 0;
    let bytes = 0;
    const done = (err?: Error): void => {
      this.active--;
      this.hooks.inFlight(this.active);
      if (err) this.hooks.failed((err as NodeJS.ErrnoException).code ?? 'ERROR', req);
      else this.hooks.completed(req, status, performance.now() - start, bytes);
      this.drainQueue();
    };
    const handler: Dispatcher.DispatchHandler = {
      onConnect: () => undefined,
      onHeaders: (s) => { status = s; return true; },
      onData: (chunk) => { bytes += chunk.length; return true; },
      onComplete: () => done(),
      onError: (err) => done(err),
    };
    try {
      this.pool.dispatch({ origin: undefined, path: req.path, method: req.method as Dispatcher.HttpMethod, headers: req.headers, body: req.body }, handler);
    } catch (err) {
      done(err as Error);
    }
  }

  private drainQueue(): void {
    while (this.active < this.opts.maxInFlight && this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as unknown as ShadowRequest;
      this.dispatch(next);
    }
    // Compact occasionally so the array does not grow forever.
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  /** Drops what is queued (counted) and gives in-flight requests `graceMs` to finish. */
  async close(graceMs = 1000): Promise<void> {
    this.closed = true;
    for (let i = this.queueHead; i < this.queue.length; i++) this.hooks.dropped('shutdown');
    this.queue.length = 0;
    this.queueHead = 0;
    const timer = setTimeout(() => void this.pool.destroy().catch(() => undefined), graceMs);
    timer.unref();
    await this.pool.close().catch(() => undefined);
    clearTimeout(timer);
  }
}
