import { deflateSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addEncodedHistogram, createHistogram, decodeHistogram, encodeHistogram, HistogramRecorder, mergeHistograms,
  ShadowtwinError, type Histogram,
} from '../../../src/common/index.js';
import { decompress, Float64Histogram, JsHistogram } from '../../../src/common/hdr-library.js';

/** What decodeHistogram + add did before the direct reader: the library's decode, into a standard histogram, added. */
function referenceAdd(target: Histogram, encoded: string): void {
  const decoded = JsHistogram.decode(decompress(new Uint8Array(Buffer.from(encoded.trim(), 'base64'))), 64, 0);
  const intermediate = createHistogram();
  intermediate.add(decoded);
  target.add(intermediate);
}

interface Inside { _counts: Float64Array; bucketCount: number; countsArrayLength: number; highestTrackableValue: number }
const inside = (h: Histogram): Inside => h as unknown as Inside;

const PERCENTILES = [0, 0.1, 1, 5, 10, 25, 33.3, 50, 66.6, 75, 90, 95, 99, 99.5, 99.9, 99.99, 99.999, 100];

let compared = 0;

/**
 * Everything observable: totals, extremes, layout, percentiles and every
 * bucket; on every 10th call (and always when `full`) also what the
 * library's iterators derive from that state (mean, deviation, the
 * recorded-values walk, the re-encoding), which cost ~50 ms per histogram.
 */
function expectSame(actual: Histogram, expected: Histogram, full = false): void {
  expect(actual.totalCount).toBe(expected.totalCount);
  expect(actual.maxValue).toBe(expected.maxValue);
  expect(actual.minNonZeroValue).toBe(expected.minNonZeroValue);
  expect(inside(actual).bucketCount).toBe(inside(expected).bucketCount);
  expect(inside(actual).countsArrayLength).toBe(inside(expected).countsArrayLength);
  expect(inside(actual).highestTrackableValue).toBe(inside(expected).highestTrackableValue);
  for (const p of PERCENTILES) expect(actual.getValueAtPercentile(p)).toBe(expected.getValueAtPercentile(p));
  // Every bucket (byte for byte: toEqual on 46k-element arrays is slow).
  const a = inside(actual)._counts;
  const e = inside(expected)._counts;
  expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(e.buffer, e.byteOffset, e.byteLength))).toBe(true);
  if (!full && compared++ % 10 !== 0) return;
  expect(actual.mean).toBe(expected.mean);
  expect(actual.stdDeviation).toBe(expected.stdDeviation);
  expect(recorded(actual)).toBe(recorded(expected));
  expect(encodeHistogram(actual)).toBe(encodeHistogram(expected));
}

function recorded(h: Histogram): string {
  const it = (h as unknown as { recordedValuesIterator: { reset(): void; hasNext(): boolean; next(): { valueIteratedTo: number; countAtValueIteratedTo: number } } }).recordedValuesIterator;
  it.reset();
  let out = '';
  while (it.hasNext()) { const v = it.next(); out += `${v.valueIteratedTo}:${v.countAtValueIteratedTo} `; }
  return out;
}

const HOUR_US = 3_600_000_000;
/** A latency in µs: mostly 1 µs to seconds, some up to hours, a few huge (days). */
const valueArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 5_000_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 4 * HOUR_US }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 ** 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 2 ** 32, 2 ** 32 - 1) },
);
const countArb = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 50 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 1_000_000_000 }) });
const samplesArb = fc.array(fc.tuple(valueArb, countArb), { maxLength: 60 });

/** The histograms our code encodes: recorded, fixed-range (other bucket count than its content needs), recorder-built, merged. */
const sourceArb = fc.oneof(
  samplesArb.map((s) => { const h = createHistogram(); for (const [v, c] of s) h.recordValueWithCount(v, c); return h; }),
  fc.tuple(samplesArb, fc.integer({ min: 2, max: 2 ** 42 })).map(([s, top]) => {
    const h = new Float64Histogram(1, Math.max(top, ...s.map(([v]) => v)), 3);
    for (const [v, c] of s) h.recordValueWithCount(v, c);
    return h;
  }),
  samplesArb.map((s) => { const r = new HistogramRecorder(); for (const [v, c] of s) r.recordWithCount(v, c); return r.toHistogram(); }),
  fc.array(samplesArb, { maxLength: 4 }).map((parts) => mergeHistograms(parts.map((s) => {
    const h = createHistogram(); for (const [v, c] of s) h.recordValueWithCount(v, c); return encodeHistogram(h);
  }))),
);

describe('direct HDR decode (addEncodedHistogram)', () => {
  it('decodes exactly as hdr-histogram-js does (thousands of random histograms)', () => {
    fc.assert(fc.property(sourceArb, (src) => {
      const enc = encodeHistogram(src);
      const expected = createHistogram();
      referenceAdd(expected, enc);
      expectSame(decodeHistogram(enc), expected);
    }), { numRuns: 2000 });
  }, 120_000);

  it('adds into a non-empty target exactly as the library merge does (RouteStats.add, rollups)', () => {
    fc.assert(fc.property(samplesArb, fc.array(sourceArb, { minLength: 1, maxLength: 5 }), (prior, sources) => {
      const actual = createHistogram();
      const expected = createHistogram();
      for (const [v, c] of prior) { actual.recordValueWithCount(v, c); expected.recordValueWithCount(v, c); }
      for (const s of sources) {
        const enc = encodeHistogram(s);
        addEncodedHistogram(actual, enc);
        referenceAdd(expected, enc);
      }
      expectSame(actual, expected);
    }), { numRuns: 500 });
  }, 120_000);

  it('handles empty, single-value, value-0 and huge-max histograms', () => {
    const cases: Histogram[] = [];
    cases.push(createHistogram());
    const one = createHistogram(); one.recordValue(1); cases.push(one);
    const zero = createHistogram(); zero.recordValueWithCount(0, 5); cases.push(zero);
    const zeroAndMore = createHistogram(); zeroAndMore.recordValueWithCount(0, 5); zeroAndMore.recordValue(70_000); cases.push(zeroAndMore);
    const huge = createHistogram(); huge.recordValue(3); huge.recordValueWithCount(2 ** 44, 1e9); cases.push(huge);
    const wide = new Float64Histogram(1, 2 ** 40, 3); wide.recordValue(17); wide.recordValue(5001); cases.push(wide);
    const wideEmpty = new Float64Histogram(1, 2 ** 40, 3); cases.push(wideEmpty);
    for (const h of cases) {
      const enc = encodeHistogram(h);
      const expected = createHistogram();
      referenceAdd(expected, enc);
      expectSame(decodeHistogram(enc), expected, true);
      // Into a target with a larger range already (the library's value-by-value merge).
      const big = createHistogram(); big.recordValue(2 ** 45);
      const bigRef = createHistogram(); bigRef.recordValue(2 ** 45);
      addEncodedHistogram(big, enc);
      referenceAdd(bigRef, enc);
      expectSame(big, bigRef, true);
    }
  });

  it('decodes other layouts (digits, lowest value) through the library with the same result', () => {
    for (const [lowest, digits] of [[1, 2], [1, 4], [1000, 3], [1, 0], [7, 1]] as const) {
      const h = new Float64Histogram(lowest, 1e9, digits);
      for (const v of [1000, 5000, 123_456, 9e8]) h.recordValueWithCount(v, 3);
      const enc = encodeHistogram(h);
      const expected = createHistogram();
      referenceAdd(expected, enc);
      expectSame(decodeHistogram(enc), expected, true);
    }
  });
});

// ---- bad payloads -------------------------------------------------------------------------

function expectDecodeError(encoded: unknown, message?: RegExp): void {
  let caught: unknown;
  try { decodeHistogram(encoded as string); } catch (e) { caught = e; }
  expect(caught).toBeInstanceOf(ShadowtwinError);
  expect((caught as ShadowtwinError).code).toBe('ST_ERR_HISTOGRAM_DECODE');
  if (message) expect((caught as Error).message).toMatch(message);
}

/** Either decodes or fails with ST_ERR_HISTOGRAM_DECODE; anything else fails the test. */
function decodesOrRefuses(encoded: string): void {
  try { decodeHistogram(encoded); } catch (e) {
    expect(e).toBeInstanceOf(ShadowtwinError);
    expect((e as ShadowtwinError).code).toBe('ST_ERR_HISTOGRAM_DECODE');
  }
}

/** Wraps an inner (uncompressed V2) encoding the way encodeIntoCompressedBase64 does. */
function wrap(inner: Uint8Array): string {
  const z = deflateSync(inner);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(0x1c849314, 0);
  head.writeUInt32BE(z.length, 4);
  return Buffer.concat([head, z]).toString('base64');
}

function innerOf(encoded: string): Buffer {
  const b = Buffer.from(encoded, 'base64');
  return inflateSync(b.subarray(8, 8 + b.readUInt32BE(4)));
}

function header(opts: { digits?: number; lowest?: number; highest?: number; payload: number }): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt32BE(0x1c849313, 0);
  h.writeUInt32BE(opts.payload, 4);
  h.writeUInt32BE(0, 8);
  h.writeUInt32BE(opts.digits ?? 3, 12);
  h.writeBigUInt64BE(BigInt(opts.lowest ?? 1), 16);
  h.writeBigUInt64BE(BigInt(opts.highest ?? 2), 24);
  h.writeBigUInt64BE(1n, 32);
  return h;
}

const sample = (): string => {
  const h = createHistogram();
  for (let i = 1; i < 400; i++) h.recordValueWithCount(i * 997, i);
  return encodeHistogram(h);
};

describe('direct HDR decode: bad payloads', () => {
  it('refuses non-strings, truncation, foreign cookies and older encodings with clear messages', () => {
    const good = sample();
    expectDecodeError(42, /base64 string/);
    expectDecodeError(null, /base64 string/);
    expectDecodeError('', /shorter than the 8-byte header/);
    expectDecodeError('not a histogram', /not an HdrHistogram compressed encoding/);
    expectDecodeError(good.slice(0, good.length - 12), /truncated: the header announces/);
    const v1 = Buffer.from(good, 'base64'); v1.writeUInt32BE(0x1c849302, 0);
    expectDecodeError(v1.toString('base64'), /V1 compressed encoding .* not supported/);
    const v2plain = Buffer.from(good, 'base64'); v2plain.writeUInt32BE(0x1c849313, 0);
    expectDecodeError(v2plain.toString('base64'), /V2 uncompressed/);
    const corrupt = Buffer.from(good, 'base64'); corrupt[20] ^= 0xff;
    expectDecodeError(corrupt.toString('base64'), /inflate failed/);
  });

  it('refuses absurd declared sizes before allocating, and deflate bombs', () => {
    // 5 digits up to 2^62: a counts array of millions of float64s.
    expectDecodeError(wrap(header({ digits: 5, highest: 2 ** 62, payload: 0 })), /declares \d+ buckets.*refusing/);
    expectDecodeError(wrap(header({ digits: 9, payload: 0 })), /significant digits/);
    expectDecodeError(wrap(header({ lowest: 0, payload: 0 })), /lowest discernible/);
    expectDecodeError(wrap(header({ highest: 1, payload: 0 })), /highest trackable value/);
    // A payload length of ~2 GB with 10 bytes present.
    expectDecodeError(wrap(Buffer.concat([header({ payload: 0x7fff_fff0 }), Buffer.alloc(10)])), /truncated: the payload announces/);
    // 64 MiB of zeros deflates to ~64 KiB.
    expectDecodeError(wrap(Buffer.concat([header({ payload: 64 << 20 }), Buffer.alloc(64 << 20)])), /inflates to more than/);
  });

  it('refuses counts past the declared length, runs past it and truncated counts; the target stays untouched', () => {
    // highest 2: 2048 buckets. A run of 3000 empty buckets, then a count.
    const run = Buffer.from([0xef, 0x2e, 0x02]); // zigzag(-3000) = 5999 → LEB128 ef 2e
    expectDecodeError(wrap(Buffer.concat([header({ payload: 3 }), run])), /past the declared 2048 buckets/);
    const counts = Buffer.from([0xfd, 0x1f, 0x02]); // run of 2047 (zigzag 4093 → fd 1f), then count 1 at 2047, then count 1 at 2048
    expectDecodeError(wrap(Buffer.concat([header({ payload: 4 }), counts, Buffer.from([0x02])])), /past the declared 2048 buckets/);
    expectDecodeError(wrap(Buffer.concat([header({ payload: 2 }), Buffer.from([0x80, 0x80])])), /runs past the end/);
    const target = createHistogram();
    target.recordValue(5);
    const before = encodeHistogram(target);
    const goodThenBad = Buffer.concat([header({ payload: 5 }), Buffer.from([0x02, 0x04, 0x06]), Buffer.from([0xef, 0x2e])]);
    expect(() => addEncodedHistogram(target, wrap(goodThenBad))).toThrow(ShadowtwinError);
    expect(encodeHistogram(target)).toBe(before);
  });

  it('fuzz: arbitrary bytes and strings only ever fail with ST_ERR_HISTOGRAM_DECODE', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => decodesOrRefuses(Buffer.from(bytes).toString('base64'))), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => decodesOrRefuses(s)), { numRuns: 1000 });
    // Random bytes behind a valid cookie, and random inner payloads behind a valid inner cookie.
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const head = Buffer.alloc(8); head.writeUInt32BE(0x1c849314, 0); head.writeUInt32BE(bytes.length, 4);
      decodesOrRefuses(Buffer.concat([head, bytes]).toString('base64'));
    }), { numRuns: 1000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 400 }), (bytes, payload) => {
      decodesOrRefuses(wrap(Buffer.concat([header({ payload, highest: 1e7 }), bytes])));
    }), { numRuns: 2000 });
  });

  it('fuzz: mutated valid payloads (outer bytes, inner bytes, truncation) only ever fail with ST_ERR_HISTOGRAM_DECODE', () => {
    const encodings = [sample(), encodeHistogram(createHistogram()), (() => { const h = createHistogram(); h.recordValueWithCount(2 ** 40, 9); h.recordValue(3); return encodeHistogram(h); })()];
    const mutation = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 });
    fc.assert(fc.property(fc.constantFrom(...encodings), mutation, (enc, muts) => {
      const outer = Buffer.from(enc, 'base64');
      for (const [at, v] of muts) outer[at % outer.length] = v;
      decodesOrRefuses(outer.toString('base64'));
      const inner = innerOf(enc);
      for (const [at, v] of muts) inner[at % inner.length] = v;
      decodesOrRefuses(wrap(inner));
    }), { numRuns: 3000 });
    fc.assert(fc.property(fc.constantFrom(...encodings), fc.nat(), (enc, cut) => {
      decodesOrRefuses(enc.slice(0, cut % enc.length));
      const inner = innerOf(enc);
      decodesOrRefuses(wrap(inner.subarray(0, cut % inner.length)));
    }), { numRuns: 1000 });
  });
});
