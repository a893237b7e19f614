import { createRequire } from 'node:module';
import type { Histogram as HdrHistogram } from 'hdr-histogram-js';

export type Histogram = HdrHistogram;

// Only the package's pure-JS modules: its index also instantiates a
// WebAssembly build at import, which costs ~8 MB of RSS in every process
// (measured; the sidecar's memory budget is 100 MB). Same wire format.
const require = createRequire(import.meta.url);

/** hdr-histogram-js's 64-bit-count histogram class (pure JS). */
export const Float64Histogram = (require('hdr-histogram-js/dist/Float64Histogram.js') as { default: new (lowest: number, highest: number, digits: number) => Histogram }).default;
/** The library's V2 decoder (reference path: allocates the whole declared counts array). */
export const { JsHistogram } = require('hdr-histogram-js/dist/JsHistogram.js') as { JsHistogram: { decode(data: Uint8Array, bitBucketSize: number, minBar: number): Histogram } };
export const { decompress } = require('hdr-histogram-js/dist/JsHistogram.encoding.js') as { decompress(data: Uint8Array): Uint8Array };

/** Our standard layout: values in µs from 1, 3 significant digits, smallest initial range (it auto-resizes). */
export const STANDARD_LOWEST = 1;
export const STANDARD_HIGHEST = 2;
export const STANDARD_DIGITS = 3;

/**
 * The standard histogram every component records into and merges into:
 * auto-resizing (one stall of minutes is still recorded exactly), 64-bit
 * buckets (counts never overflow over long runs).
 */
export function newStandardHistogram(): Histogram {
  const h = new Float64Histogram(STANDARD_LOWEST, STANDARD_HIGHEST, STANDARD_DIGITS);
  h.autoResize = true;
  return h;
}
