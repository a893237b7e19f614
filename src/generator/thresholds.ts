/**
 * k6-style thresholds: `p99 < 300ms`, `p50 <= 0.1s`, `errors < 1%` (or a
 * count: `errors < 10`), `dropped == 0` (or `dropped < 0.1%`), `rate >= 950` (achieved req/s), `max < 2s`. Scoped to the
 * total, or to one route with `{ route: "/users/:id", expr: "p99 < 200ms" }`.
 */
import type { Threshold, ThresholdResult } from '../common/index.js';

export type { Threshold, ThresholdResult };

export type ThresholdMetric = 'p50' | 'p90' | 'p99' | 'p999' | 'max' | 'mean' | 'errors' | 'dropped' | 'rate';
const METRICS: readonly ThresholdMetric[] = ['p50', 'p90', 'p99', 'p999', 'max', 'mean', 'errors', 'dropped', 'rate'];
const OPS = ['<=', '>=', '==', '<', '>'] as const;

/** `share`: the limit is a fraction (written as a percentage) rather than a count. */
export interface ParsedThreshold { metric: ThresholdMetric; op: (typeof OPS)[number]; limit: number; share: boolean }

/** Returns the parsed threshold or a message saying how to write it. */
export function parseThreshold(expr: string): ParsedThreshold | string {
  const m = /^\s*([a-z0-9]+)\s*(<=|>=|==|<|>)\s*([\d.]+)\s*(ms|s|%)?\s*$/i.exec(expr);
  if (!m) return `"${expr}" is not a threshold; write e.g. "p99 < 300ms", "errors < 1%", "rate >= 950"`;
  const metric = m[1]!.toLowerCase() as ThresholdMetric;
  if (!METRICS.includes(metric)) return `"${m[1]}" is not a threshold metric; use one of ${METRICS.join(', ')}`;
  let limit = Number(m[3]);
  const unit = m[4]?.toLowerCase();
  if (metric === 'errors' || metric === 'dropped') {
    // Shares are compared as fractions; "1%" = 0.01; a bare number is a count.
    if (unit === '%') limit /= 100;
    else if (unit) return `"${expr}": ${metric} takes a percentage or a count`;
  } else if (metric === 'rate') {
    if (unit) return `"${expr}": rate is in requests per second, without a unit`;
  } else if (unit === 's') {
    limit *= 1000;
  } else if (unit === '%') {
    return `"${expr}": latency takes ms or s`;
  }
  return { metric, op: m[2] as ParsedThreshold['op'], limit, share: unit === '%' };
}

export function compare(actual: number, op: ParsedThreshold['op'], limit: number): boolean {
  switch (op) {
    case '<': return actual < limit;
    case '<=': return actual <= limit;
    case '>': return actual > limit;
    case '>=': return actual >= limit;
    case '==': return actual === limit;
  }
}
