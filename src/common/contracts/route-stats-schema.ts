import { z } from 'zod';

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();

/** `EncodedRouteStats` on the wire: counts, status classes, ST_* codes, byte sums, encoded HDR latency (µs). */
export const encodedRouteStatsSchema = z.object({
  route: z.string().min(1).max(2048),
  method: z.string().min(1).max(64),
  requests: count,
  errors: count,
  reqBytes: count,
  resBytes: count,
  status: z.record(z.string().regex(/^\d{1,3}$/, 'a status code'), count),
  codes: z.record(z.string().regex(/^ST_[A-Z0-9_]{1,80}$/, 'an ST_* code'), count).optional(),
  latencyMs: z.object({ count, p50: ms, p90: ms, p99: ms, p999: ms, max: ms, mean: ms }),
  /** Compressed base64 HdrHistogram; 4 MB bounds one route's histogram far above any real one. */
  histogram: z.string().max(4_000_000),
});
