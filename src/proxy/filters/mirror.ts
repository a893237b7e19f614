import type { IncomingHttpHeaders } from 'node:http';
import { hashFraction, SHADOW_HEADER, type SidecarConfig } from '../../common/index.js';

export { SHADOW_HEADER };

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
  private readonly random: () => number;
  private tokens: number;
  private lastRefill = performance.now();

  constructor(cfg: SidecarConfig['mirror'], random: () => number = Math.random) {
    this.fraction = cfg.fraction;
    this.hashHeader = cfg.hashHeader?.toLowerCase();
    this.methods = new Set(cfg.methods);
    this.maxRate = cfg.maxRate;
    this.shadowHost = cfg.shadowHost;
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

  /** The forwarded header list plus the shadow tag (and `Host: <host>-shadow`). */
  shadowHeaders(forwarded: readonly string[]): string[] {
    if (!this.shadowHost) {
      const out = forwarded.slice();
      out.push(SHADOW_HEADER, '1');
      return out;
    }
    const out: string[] = [];
    for (let i = 0; i < forwarded.length; i += 2) {
      const name = forwarded[i]!;
      if (name.length === 4 && name.toLowerCase() === 'host') {
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
