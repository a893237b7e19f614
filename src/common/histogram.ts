import { addEncodedHistogram } from './hdr-encoding.js';
import { newStandardHistogram, type Histogram } from './hdr-library.js';

export type { Histogram } from './hdr-library.js';

/**
 * Latency histograms are recorded in microseconds with 3 significant
 * digits, auto-resizing so one stall of minutes is still recorded exactly.
 * 64-bit buckets: counts never overflow over long runs.
 */
export function createHistogram(): Histogram {
  return newStandardHistogram();
}

/** Records a latency in milliseconds (fractional allowed) as microseconds. */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.max(1, Math.round(ms * 1000)));
}

/** Compressed base64 (the HdrHistogram interchange form). */
export function encodeHistogram(h: Histogram): string {
  return (h as Histogram & { encodeIntoCompressedBase64(): string }).encodeIntoCompressedBase64();
}

/**
 * Decodes compressed base64 into our standard shape (so merges never hit a
 * fixed range). Reads the counts directly (hdr-encoding.ts), ~10x cheaper
 * than the library's decode + add, same result.
 */
export function decodeHistogram(encoded: string): Histogram {
  const h = createHistogram();
  addEncodedHistogram(h, encoded);
  return h;
}

/** Merges any number of histograms (or their encodings) into a new one. */
export function mergeHistograms(parts: ReadonlyArray<Histogram | string>): Histogram {
  const out = createHistogram();
  for (const p of parts) {
    if (typeof p === 'string') addEncodedHistogram(out, p);
    else out.add(p);
  }
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
