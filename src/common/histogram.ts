import { createRequire } from 'node:module';
import type { Histogram as HdrHistogram } from 'hdr-histogram-js';
import { ShadowtwinError } from './errors.js';

export type Histogram = HdrHistogram;

// Only the package's pure-JS modules: its index also instantiates a
// WebAssembly build at import, which costs ~8 MB of RSS in every process
// (measured; the sidecar's memory budget is 100 MB). Same wire format.
const require = createRequire(import.meta.url);
const Float64Histogram = (require('hdr-histogram-js/dist/Float64Histogram.js') as { default: new (lowest: number, highest: number, digits: number) => Histogram }).default;
const { JsHistogram } = require('hdr-histogram-js/dist/JsHistogram.js') as { JsHistogram: { decode(data: Uint8Array, bitBucketSize: number, minBar: number): Histogram } };
const { decompress } = require('hdr-histogram-js/dist/JsHistogram.encoding.js') as { decompress(data: Uint8Array): Uint8Array };

/**
 * Latency histograms are recorded in microseconds with 3 significant
 * digits, auto-resizing so one stall of minutes is still recorded exactly.
 * 64-bit buckets: counts never overflow over long runs.
 */
export function createHistogram(): Histogram {
  const h = new Float64Histogram(1, 2, 3);
  h.autoResize = true;
  return h;
}

/** Records a latency in milliseconds (fractional allowed) as microseconds. */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.max(1, Math.round(ms * 1000)));
}

/** Compressed base64 (the HdrHistogram interchange form). */
export function encodeHistogram(h: Histogram): string {
  return (h as Histogram & { encodeIntoCompressedBase64(): string }).encodeIntoCompressedBase64();
}

export function decodeHistogram(encoded: string): Histogram {
  try {
    const decoded = JsHistogram.decode(decompress(new Uint8Array(Buffer.from(encoded.trim(), 'base64'))), 64, 0);
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
