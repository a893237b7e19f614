import { EventEmitter } from 'node:events';
import { buildConnector, Pool } from 'undici';

export interface UpstreamPoolOptions {
  connectTimeout: number;
  responseTimeout: number;
  bodyTimeout: number;
  connectionsPerHost: number;
  keepAliveTimeout: number;
}

export interface EjectionPolicy {
  consecutiveFailures: number;
  baseTime: number;
  maxTime: number;
}

/** One primary host: its connection pool and passive health state. */
export class UpstreamMember {
  readonly origin: string;
  readonly pool: Pool;
  consecutiveFailures = 0;
  ejectedUntil = 0;
  ejections = 0;
  requests = 0;
  failures = 0;

  constructor(origin: string, opts: UpstreamPoolOptions) {
    this.origin = origin;
    this.pool = new Pool(origin, {
      connections: opts.connectionsPerHost,
      pipelining: 1,
      keepAliveTimeout: opts.keepAliveTimeout,
      // The exchange enforces responseTimeout to the millisecond; undici's (on a 0.5 s tick) is a backstop.
      headersTimeout: opts.responseTimeout > 0 ? opts.responseTimeout + 1000 : 0,
      bodyTimeout: opts.bodyTimeout > 0 ? opts.bodyTimeout + 1000 : 0,
      connect: preciseConnector(opts.connectTimeout),
    });
  }

  healthy(now: number): boolean {
    return this.ejectedUntil <= now;
  }
}

/**
 * undici's connector with a connect timeout to the millisecond: undici's own
 * runs on its 0.5 s tick (a 1 s timeout fired after up to 1.5 s) and stays
 * as a backstop. One plain timer per new connection, not per request.
 */
function preciseConnector(timeoutMs: number): buildConnector.connector {
  const base = buildConnector({ timeout: timeoutMs + 1000 });
  return (opts, callback) => {
    let settled = false;
    let socket: ReturnType<buildConnector.connector> | undefined;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      (socket as { destroy?: () => void } | undefined)?.destroy?.();
      callback(Object.assign(new Error(`connect timeout after ${timeoutMs} ms (${opts.hostname}:${opts.port})`), { code: 'UND_ERR_CONNECT_TIMEOUT' }), null);
    }, timeoutMs);
    socket = base(opts, (err, s) => {
      clearTimeout(timer);
      if (settled) {
        s?.destroy();
        return;
      }
      settled = true;
      if (err) callback(err, null);
      else callback(null, s!);
    });
    return socket;
  };
}

export interface MembershipView {
  origin: string;
  healthy: boolean;
  ejectedUntil: string | null;
  consecutiveFailures: number;
  ejections: number;
  requests: number;
  failures: number;
}

/**
 * The primary's membership set: round-robin over healthy hosts, Envoy-style
 * outlier ejection (N consecutive gateway failures eject a host for
 * base × ejections, capped), and panic routing: when every host is ejected,
 * traffic goes to all of them rather than failing everything.
 * Emits `change` (membership edited) and `ejected` / `restored`.
 */
export class UpstreamSet extends EventEmitter {
  private members: UpstreamMember[] = [];
  private next = 0;
  private readonly poolOptions: UpstreamPoolOptions;
  private readonly ejection: EjectionPolicy;

  constructor(origins: readonly string[], poolOptions: UpstreamPoolOptions, ejection: EjectionPolicy) {
    super();
    this.poolOptions = poolOptions;
    this.ejection = ejection;
    this.members = origins.map((o) => new UpstreamMember(o, poolOptions));
  }

  get size(): number {
    return this.members.length;
  }

  origins(): string[] {
    return this.members.map((m) => m.origin);
  }

  /** Picks the next host; undefined only when the set is empty. */
  pick(exclude?: UpstreamMember): UpstreamMember | undefined {
    const n = this.members.length;
    if (n === 0) return undefined;
    const now = Date.now();
    for (let i = 0; i < n; i++) {
      const m = this.members[(this.next + i) % n]!;
      if (m !== exclude && m.healthy(now)) {
        this.next = (this.next + i + 1) % n;
        return m;
      }
    }
    // Panic mode: all ejected (or the only healthy one is excluded).
    const m = this.members[this.next % n]!;
    this.next = (this.next + 1) % n;
    return m === exclude && n > 1 ? this.members[this.next % n] : m;
  }

  reportSuccess(m: UpstreamMember): void {
    m.requests++;
    if (m.consecutiveFailures !== 0) m.consecutiveFailures = 0;
    if (m.ejectedUntil !== 0 && m.ejectedUntil <= Date.now()) {
      m.ejectedUntil = 0;
      this.emit('restored', m.origin);
    }
  }

  reportFailure(m: UpstreamMember): void {
    m.requests++;
    m.failures++;
    m.consecutiveFailures++;
    const now = Date.now();
    if (m.consecutiveFailures >= this.ejection.consecutiveFailures && m.healthy(now)) {
      m.ejections++;
      const time = Math.min(this.ejection.baseTime * m.ejections, this.ejection.maxTime);
      m.ejectedUntil = now + time;
      m.consecutiveFailures = 0;
      this.emit('ejected', m.origin, time);
    }
  }

  /** Replaces the set. Removed hosts' pools close gracefully (in-flight requests finish). */
  async setMembers(origins: readonly string[]): Promise<void> {
    const keep = new Map(this.members.map((m) => [m.origin, m]));
    const nextMembers = origins.map((o) => keep.get(o) ?? new UpstreamMember(o, this.poolOptions));
    const removed = this.members.filter((m) => !origins.includes(m.origin));
    this.members = nextMembers;
    this.next = 0;
    this.emit('change', this.origins());
    await Promise.all(removed.map((m) => m.pool.close().catch(() => undefined)));
  }

  view(): MembershipView[] {
    const now = Date.now();
    return this.members.map((m) => ({
      origin: m.origin,
      healthy: m.healthy(now),
      ejectedUntil: m.healthy(now) ? null : new Date(m.ejectedUntil).toISOString(),
      consecutiveFailures: m.consecutiveFailures,
      ejections: m.ejections,
      requests: m.requests,
      failures: m.failures,
    }));
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.pool.close().catch(() => undefined)));
  }

  async destroy(): Promise<void> {
    await Promise.all(this.members.map((m) => m.pool.destroy().catch(() => undefined)));
  }
}
