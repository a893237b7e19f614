import * as hdr from 'hdr-histogram-js';
import { ShadowtwinError } from './errors.js';

export type Histogram = hdr.Histogram;

/**
 * Latency histograms are recorded in microseconds with 3 significant
 * digits, auto-resizing so one stall of minutes is still recorded exactly.
 * 64-bit buckets: counts never overflow over long runs.
 */
export function createHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** Records a latency in milliseconds (fractional allowed) as microseconds. */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.max(1, Math.round(ms * 1000)));
}

/** Compressed base64 (the HdrHistogram interchange form). */
export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  try {
    const decoded = hdr.decodeFromCompressedBase64(encoded, 64, false);
    // Copy into our standard shape so merges never hit a fixed range.
    const h = createHistogram();
    h.add(decoded);
    return h;
  } catch (cause) {
    throw new ShadowtwinError('ST_ERR_HISTOGRAM_DECODE', `could not decode histogram: ${(cause as Error).message}`, { cause });
  }
}

/** Merges any number of histograms (or their encodings) into a new one. */
export function mergeHistograms(parts: ReadonlyArray<Histogram | string>): Histogram {
  const out = createHistogram();
  for (const p of parts) out.add(typeof p === 'string' ? decodeHistogram(p) : p);
  return out;
}

export interface LatencySummaryMs {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Percentiles of a µs histogram, in milliseconds. */
export function summarizeMs(h: Histogram): LatencySummaryMs {
  const at = (p: number): number => (h.totalCount === 0 ? 0 : round3(h.getValueAtPercentile(p) / 1000));
  return {
    count: h.totalCount,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    // At bucket precision, so a merged histogram reports the same max as one run.
    max: at(100),
    mean: h.totalCount === 0 ? 0 : round3(h.mean / 1000),
  };
}
