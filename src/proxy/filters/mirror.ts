import type { IncomingHttpHeaders } from 'node:http';
import { hashFraction, SHADOW_HEADER, type SidecarConfig } from '../../common/index.js';
import type { Exchange } from '../exchange.js';
import type { HotTotals, ProxyMetrics } from '../metrics.js';
import { childCache } from '../metrics.js';
import { ShadowWriter, type ShadowRequest } from '../shadow-writer.js';
import type { WindowAggregator } from '../window-aggregator.js';
import type { ProxyFilter } from './filter.js';

export { SHADOW_HEADER };

/**
 * Why a shadow copy was not sent, declared once: the label values of
 * `shadowtwin_mirror_dropped_total{reason}` (each exported at 0 from the
 * start), the writer's `dropped` hook and docs/sidecar.md (a test keeps them equal).
 */
export const MIRROR_DROP_REASONS = ['queue_full', 'rate_limited', 'body_too_large', 'circuit_open', 'shutdown'] as const;
export type MirrorDropReason = (typeof MIRROR_DROP_REASONS)[number];

/** Never sent to a secondary: credentials meant for this proxy hop, not for any upstream service. */
export const ALWAYS_STRIPPED = ['proxy-authorization'] as const;
/** Removed too with `mirror.stripCredentials`. */
export const CREDENTIAL_HEADERS = ['authorization', 'cookie'] as const;

export type MirrorSkip = 'method' | 'sampled_out' | 'rate_limited' | 'loop';

/**
 * Mirror policy (whether to shadow a request); the ShadowWriter is the
 * mechanism (how it is sent). Sampling is random or by consistent hash of a
 * header (the same user is always, or never, mirrored). An optional token
 * bucket caps shadow requests per second.
 */
export class MirrorPolicy {
  private readonly fraction: number;
  private readonly hashHeader: string | undefined;
  private readonly methods: Set<string>;
  private readonly maxRate: number;
  private readonly shadowHost: boolean;
  /** Lower-case names removed from shadow copies. */
  private readonly stripped: ReadonlySet<string>;
  private readonly random: () => number;
  private tokens: number;
  private lastRefill = performance.now();

  constructor(cfg: SidecarConfig['mirror'], random: () => number = Math.random) {
    this.fraction = cfg.fraction;
    this.hashHeader = cfg.hashHeader?.toLowerCase();
    this.methods = new Set(cfg.methods);
    this.maxRate = cfg.maxRate;
    this.shadowHost = cfg.shadowHost;
    this.stripped = new Set([
      ...ALWAYS_STRIPPED, ...(cfg.stripCredentials ? CREDENTIAL_HEADERS : []), ...cfg.stripHeaders.map((h) => h.toLowerCase()),
    ]);
    this.random = random;
    this.tokens = cfg.maxRate;
  }

  get enabled(): boolean {
    return this.fraction > 0;
  }

  /** Returns undefined to mirror, or why not. */
  decide(method: string, headers: IncomingHttpHeaders): MirrorSkip | undefined {
    if (!this.methods.has(method)) return 'method';
    if (headers[SHADOW_HEADER] !== undefined) return 'loop';
    if (this.fraction < 1) {
      const key = this.hashHeader ? headers[this.hashHeader] : undefined;
      const draw = typeof key === 'string' ? hashFraction(key) : this.random();
      if (draw >= this.fraction) return 'sampled_out';
    }
    if (this.maxRate > 0 && !this.take()) return 'rate_limited';
    return undefined;
  }

  private take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.maxRate, this.tokens + ((now - this.lastRefill) / 1000) * this.maxRate);
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /**
   * The forwarded header list minus the stripped headers (Proxy-Authorization
   * always, `mirror.stripHeaders`, Authorization and Cookie with
   * `mirror.stripCredentials`), plus the shadow tag (and `Host: <host>-shadow`).
   */
  shadowHeaders(forwarded: readonly string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < forwarded.length; i += 2) {
      const name = forwarded[i]!;
      const lower = name.toLowerCase();
      if (this.stripped.has(lower)) continue;
      if (this.shadowHost && lower === 'host') {
        const v = forwarded[i + 1]!;
        const colon = v.lastIndexOf(':');
        out.push(name, colon > 0 && !v.endsWith(']') ? `${v.slice(0, colon)}-shadow${v.slice(colon)}` : `${v}-shadow`);
      } else {
        out.push(name, forwarded[i + 1]!);
      }
    }
    out.push(SHADOW_HEADER, '1');
    return out;
  }
}

export interface MirrorFilterDeps {
  metrics: ProxyMetrics;
  totals: HotTotals;
  /** The secondary side's windows: every shadow copy's outcome is folded in. */
  windows: WindowAggregator;
  random?: () => number;
  /** The route label (capped) a request is recorded under. */
  routeLabel(route: string): string;
}

/**
 * Mirroring, as one filter: decides (`MirrorPolicy`), copies the request
 * body up to `mirror.maxBodyBytes` (a larger one is not mirrored: dropped,
 * counted), sends through the `ShadowWriter` (bounded, fire-and-forget) and
 * folds the secondary's answers into the secondary side's windows and
 * metrics. Nothing here can fail or delay the primary exchange.
 */
export class MirrorFilter implements ProxyFilter {
  readonly policy: MirrorPolicy;
  readonly writer: ShadowWriter;
  private readonly maxBodyBytes: number;
  private readonly routeLabel: (route: string) => string;
  private readonly drops: Readonly<Record<MirrorDropReason, { inc(n?: number): void }>>;

  constructor(secondary: string, cfg: SidecarConfig['mirror'], deps: MirrorFilterDeps) {
    const { metrics, totals, windows } = deps;
    this.policy = new MirrorPolicy(cfg, deps.random);
    this.maxBodyBytes = cfg.maxBodyBytes;
    this.routeLabel = deps.routeLabel;
    const drops = {} as Record<MirrorDropReason, { inc(n?: number): void }>;
    for (const reason of MIRROR_DROP_REASONS) {
      drops[reason] = metrics.mirrorDropped.labels(reason);
      drops[reason].inc(0); // exported at 0 from the start: a rate over a series that appears late misses its first drops
    }
    this.drops = drops;
    const duration = childCache(metrics.mirrorDuration);
    this.writer = new ShadowWriter(secondary, {
      maxInFlight: cfg.maxInFlight, maxQueue: cfg.maxQueue, timeout: cfg.timeout,
      breakerFailures: cfg.breakerFailures, breakerBaseMs: cfg.breakerBase,
    }, {
      sent: () => { totals.mirrorSent++; },
      dropped: (reason) => drops[reason].inc(),
      failed: (code, req) => {
        metrics.mirrorFailed.labels(code).inc();
        windows.record(req.route, req.method, 0, 0, req.body?.length ?? 0, 0, code);
      },
      completed: (req, status, ms, bytes) => {
        duration(req.route, String(status)).observe(ms / 1000);
        windows.record(req.route, req.method, status, ms, req.body?.length ?? 0, bytes, undefined);
      },
      inFlight: (n) => { totals.mirrorInFlight = n; },
    });
  }

  onRequest(ex: Exchange): boolean {
    const skip = this.policy.decide(ex.method, ex.req.headers);
    if (skip !== undefined) {
      if (skip === 'rate_limited') this.drops.rate_limited.inc();
      return false;
    }
    if (!ex.hasBody) {
      this.send(ex, null);
      return false;
    }
    ex.mirrorBody = [];
    ex.mirrorBytes = 0;
    return true;
  }

  onRequestBody(ex: Exchange, chunk: Buffer | null): void {
    const body = ex.mirrorBody;
    if (body === undefined) return;
    if (chunk === null) {
      ex.mirrorBody = undefined;
      this.send(ex, Buffer.concat(body));
      return;
    }
    ex.mirrorBytes += chunk.length;
    if (ex.mirrorBytes > this.maxBodyBytes) {
      ex.mirrorBody = undefined;
      this.drops.body_too_large.inc();
    } else {
      body.push(chunk);
    }
  }

  private send(ex: Exchange, body: Buffer | null): void {
    const req: ShadowRequest = { method: ex.method, path: ex.req.url ?? '/', headers: this.policy.shadowHeaders(ex.fwdHeaders), body, route: this.routeLabel(ex.route) };
    this.writer.send(req);
  }

  /** Drops what is queued (counted as `shutdown`) and gives in-flight copies a grace period. */
  close(): Promise<void> {
    return this.writer.close();
  }
}
