import type { Random } from '../common/index.js';

/** Request-side faults toward the secondary (never the primary: the target is checked). */
export const GENERATOR_FAULT_KINDS = ['delay', 'timeout', 'abort', 'duplicate', 'churn', 'slow-body', 'malformed-body', 'oversized-header', 'invalid-header'] as const;
export type GeneratorFaultKind = (typeof GENERATOR_FAULT_KINDS)[number];

/** Upper bounds on fault parameters (flags and scenario files alike): a typo must not hold a run for a day. */
export const FAULT_LIMITS = { ms: 3_600_000, copies: 100, bytes: 16 * 1024 * 1024, bytesPerSec: 1e9 } as const;

export interface GeneratorFault {
  kind: GeneratorFaultKind;
  /** Share of matching requests, 0..100. */
  percent: number;
  /** Route templates; absent means every route. */
  routes?: string[];
  /** delay: hold before sending; timeout: give up after; abort: reset after (default 0). */
  ms?: number;
  /** duplicate: copies sent at once (retry storm), default 2. */
  copies?: number;
  /** slow-body: trickle rate; also the body size when the request has none. */
  bytesPerSec?: number;
  /** slow-body/oversized-header: size in bytes. */
  bytes?: number;
}

/** Picks at most one fault per request: the first whose route matches and whose draw hits. */
export function pickFault(faults: readonly GeneratorFault[], route: string, random: Random): GeneratorFault | undefined {
  for (const f of faults) {
    if (f.routes && !f.routes.includes(route)) continue;
    if (f.percent >= 100 || random() * 100 < f.percent) return f;
  }
  return undefined;
}
