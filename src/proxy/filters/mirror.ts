import type { IncomingHttpHeaders } from 'node:http';
import { hashFraction, SHADOW_HEADER, type SidecarConfig } from '../../common/index.js';

export { SHADOW_HEADER };

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
