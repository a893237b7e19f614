/**
 * Property tests over every parser a user's input reaches: for any input a
 * parser either returns a well-formed value or rejects it the documented way
 * (LineError for one line, a ShadowtwinError for a document or a file, a
 * message string for flag grammars). Anything else — a TypeError, a
 * RangeError, an out-of-range value returned as if it were fine — fails.
 * Inputs are mutations of valid examples as well as noise, so the generators
 * reach past the first character check.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeHistogram, isShadowtwinError, parseDuration, parseSidecarConfig } from '../../../src/common/index.js';
import { parseFaultSpec } from '../../../src/generator/fault-spec.js';
import { parseScenario } from '../../../src/generator/generate.js';
import { checkRunReport, mergeReports } from '../../../src/generator/run-report.js';
import { parseThreshold } from '../../../src/generator/thresholds.js';
import { readSeriesCsv } from '../../../src/forecast/series.js';
import { parseAccessLogLine } from '../../../src/profiler/ingest/access-log.js';
import { parseGorPayload } from '../../../src/profiler/ingest/gor.js';
import { parseNginxJsonLine } from '../../../src/profiler/ingest/nginx-json.js';
import { LineError, type Observation } from '../../../src/profiler/ingest/observation.js';
import { readCapture, SkipReport } from '../../../src/common/capture-reader.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
// A fixed seed keeps the suite reproducible; FUZZ_SEED=random explores (a failure prints its seed).
if (process.env.FUZZ_SEED !== 'random') fc.configureGlobal({ seed: Number(process.env.FUZZ_SEED ?? 20261202) });
const dir = mkdtempSync(join(tmpdir(), 'st-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A valid example with random edits: cut, duplicated, a span replaced with noise. */
function mutated(valid: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.nat(), fc.string({ maxLength: 12, unit: 'binary' }), fc.constantFrom('cut', 'replace', 'insert', 'dup', 'same'))
    .map(([s, a, b, noise, op]) => {
      const i = a % (s.length + 1);
      const j = i + (b % Math.max(1, s.length - i + 1));
      switch (op) {
        case 'cut': return s.slice(0, i);
        case 'replace': return s.slice(0, i) + noise + s.slice(j);
        case 'insert': return s.slice(0, i) + noise + s.slice(i);
        case 'dup': return s.slice(0, j) + s.slice(i);
        default: return s;
      }
    });
}

const anyText = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200, unit: 'binary' }), fc.string({ maxLength: 60, unit: 'grapheme' }));

function expectObservation(o: Observation | undefined): void {
  if (o === undefined) return;
  expect(Number.isFinite(o.ts)).toBe(true);
  expect(typeof o.method).toBe('string');
  expect(o.method.length).toBeGreaterThan(0);
  expect(typeof o.target).toBe('string');
  expect(Number.isInteger(o.status)).toBe(true);
  expect(Number.isFinite(o.resBytes) && o.resBytes >= 0).toBe(true);
  if (o.reqBytes !== undefined) expect(Number.isFinite(o.reqBytes) && o.reqBytes >= 0).toBe(true);
  if (o.durationMs !== undefined) expect(Number.isFinite(o.durationMs) && o.durationMs >= 0).toBe(true);
}

/** Runs a line parser; only LineError may escape. */
function lineParserHolds(parse: (s: string) => Observation | undefined, input: string): void {
  let o: Observation | undefined;
  try {
    o = parse(input);
  } catch (err) {
    if (err instanceof LineError) return;
    throw err;
  }
  expectObservation(o);
}

/** Runs a document parser; only a ShadowtwinError may escape. */
function documentParserHolds(parse: () => unknown): void {
  try {
    parse();
  } catch (err) {
    if (isShadowtwinError(err)) return;
    throw err;
  }
}

const CLF = [
  '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
  '2001:db8::1 - - [01/Mar/2024:00:00:01 +0000] "POST /api/v1/items?x=1 HTTP/1.1" 201 - "https://ref.example/" "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"',
  '10.0.0.2 - - [31/Dec/2023:23:59:59 +0530] "GET /a%20b/\\"q\\" HTTP/2.0" 404 0 "-" "curl/8.0"',
];
const NGINX = [
  '{"time_iso8601":"2024-03-01T00:00:01+00:00","remote_addr":"10.1.1.1","request_method":"GET","request_uri":"/x?y=1","status":"200","body_bytes_sent":"12","request_length":"80","request_time":"0.004","http_user_agent":"Mozilla/5.0"}',
  '{"msec":"1709251201.123","request":"PUT /items/1 HTTP/1.1","status":204,"bytes_sent":0}',
];
const GOR = [
  '1 8a4c 1709251201000000000 0\nGET /users/1?x=2 HTTP/1.1\r\nHost: a\r\nUser-Agent: curl/8\r\n\r\n',
  '1 8a4d 1709251201500000000\nPOST /orders HTTP/1.1\nContent-Type: application/json\nX-Forwarded-For: 1.2.3.4, 5.6.7.8\n\n{"a":1}',
  '2 8a4c 1709251201001000000 1000\nHTTP/1.1 200 OK\r\n\r\n',
];

describe('line parsers: a value or a LineError, never another exception', () => {
  it('access log (Common/Combined)', () => {
    fc.assert(fc.property(fc.oneof(mutated(CLF), anyText), (s) => lineParserHolds(parseAccessLogLine, s)), { numRuns: RUNS * 3 });
  });
  it('nginx JSON', () => {
    const objects = fc.dictionary(fc.constantFrom('time_iso8601', 'msec', 'time_local', 'remote_addr', 'request', 'request_method', 'request_uri', 'uri', 'status', 'body_bytes_sent', 'bytes_sent', 'request_length', 'request_time', 'http_user_agent', 'content_type'), fc.jsonValue({ maxDepth: 1 }))
      .map((o) => JSON.stringify(o));
    fc.assert(fc.property(fc.oneof(mutated(NGINX), objects, anyText), (s) => lineParserHolds((l) => parseNginxJsonLine(l), s)), { numRuns: RUNS * 3 });
  });
  it('GoReplay payloads', () => {
    fc.assert(fc.property(fc.oneof(mutated(GOR), anyText), (s) => lineParserHolds(parseGorPayload, s)), { numRuns: RUNS * 3 });
  });
});

describe('flag grammars: a value or a message, never an exception', () => {
  it('durations', () => {
    fc.assert(fc.property(fc.oneof(mutated(['30s', '1.5m', '250ms', '2h', '1d', '1w']), anyText, fc.double()), (s) => {
      const v = parseDuration(s);
      if (v !== undefined) expect(Number.isFinite(v) && v >= 0).toBe(true);
    }), { numRuns: RUNS });
  });
  it('thresholds', () => {
    fc.assert(fc.property(fc.oneof(mutated(['p99 < 300ms', 'errors < 1%', 'rate >= 950', 'p999<=2s']), anyText), (s) => {
      const v = parseThreshold(s);
      if (typeof v !== 'string') expect(Number.isFinite(v.limit)).toBe(true);
    }), { numRuns: RUNS });
  });
  it('fault specs', () => {
    fc.assert(fc.property(fc.oneof(mutated(['delay:10%:200ms,timeout:5%:50ms,duplicate:2%:3,abort:1%,churn:5%', 'abort:100%']), anyText), (s) => {
      const v = parseFaultSpec(s);
      if (typeof v !== 'string') for (const f of v) expect(Object.values(f).every((x) => typeof x !== 'number' || Number.isFinite(x))).toBe(true);
    }), { numRuns: RUNS });
  });
});

/** JSON-ish documents: the valid shape with random values swapped in at random keys. */
function documents(valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(valid);
  return fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.tuple(fc.subarray(keys), fc.dictionary(fc.constantFrom(...keys, 'extra'), fc.jsonValue({ maxDepth: 2 }))).map(([drop, swap]) => {
      const o: Record<string, unknown> = { ...valid };
      for (const k of drop) delete o[k];
      return { ...o, ...swap };
    }),
  );
}

describe('documents: valid or a ShadowtwinError', () => {
  it('sidecar config', () => {
    const valid = { primary: ['http://127.0.0.1:8080'], listen: '127.0.0.1:0', secondary: 'http://127.0.0.1:8081', mirror: { fraction: 0.5 }, capture: { mode: 'meta' }, upstream: { responseTimeout: '5s' }, faults: { rules: [{ abort: { percent: 10, status: 503 } }] } };
    fc.assert(fc.property(documents(valid), (d) => documentParserHolds(() => parseSidecarConfig(d))), { numRuns: RUNS });
  });
  it('scenario', () => {
    const valid = { target: 'http://127.0.0.1:8081', load: { executor: 'constant-rate', rate: 10, duration: '1s' }, source: { kind: 'fixed', path: '/' }, faults: [], thresholds: ['p99 < 1s'] };
    fc.assert(fc.property(documents(valid), (d) => documentParserHolds(() => parseScenario(d))), { numRuns: RUNS });
  });
  it('run reports to merge', () => {
    const valid = { kind: 'shadowtwin.run-report', version: 1, meta: { scenario: 'a', segment: { index: 0, count: 2 } }, total: { latency: 'HISTFAAAA' }, routes: [] };
    fc.assert(fc.property(fc.array(documents(valid), { minLength: 1, maxLength: 3 }), (docs) => documentParserHolds(() => mergeReports(docs.map((d, i) => checkRunReport(d, `r${i}.json`))))), { numRuns: RUNS });
  });
  it('encoded histograms', () => {
    fc.assert(fc.property(fc.oneof(fc.base64String({ maxLength: 200 }), anyText), (s) => documentParserHolds(() => decodeHistogram(s))), { numRuns: RUNS });
  });
});

describe('files: records or a ShadowtwinError', () => {
  let n = 0;
  const file = (text: string): string => { const f = join(dir, `in-${n++}`); writeFileSync(f, text); return f; };
  const csvRows = fc.array(fc.oneof(
    mutated(['2024-03-01 00:00:00,12', '2024-03-01T00:05:00Z,13.5', '1709251500,0', 'timestamp,value']),
    fc.tuple(fc.integer({ min: -1e13, max: 1e13 }), fc.oneof(fc.double(), fc.constantFrom('1e300', '-5', 'NaN', ''))).map(([t, v]) => `${t},${v}`),
  ), { maxLength: 30 }).map((rows) => rows.join('\n'));

  it('rate CSV', () => {
    fc.assert(fc.property(csvRows, (text) => {
      documentParserHolds(() => {
        const { series } = readSeriesCsv(file(text));
        expect(series.values.length).toBeLessThan(1_000_000);
        for (const v of series.values) expect(Number.isFinite(v)).toBe(true);
      });
    }), { numRuns: RUNS / 2 });
  });

  it('capture NDJSON', async () => {
    const good = '{"ts":1709251201000,"durationMs":3.2,"method":"GET","path":"/a","route":"/a","status":200,"reqBytes":0,"resBytes":10}';
    const lines = fc.array(fc.oneof(mutated([good, '{"shadowtwin":"capture","version":1,"mode":"meta"}']), fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)), anyText), { maxLength: 20 });
    await fc.assert(fc.asyncProperty(lines, async (ls) => {
      const f = file(ls.join('\n'));
      try {
        for await (const r of readCapture(f, new SkipReport())) {
          expect(Number.isFinite(r.ts)).toBe(true);
          expect(typeof r.method).toBe('string');
          expect(typeof r.path).toBe('string');
        }
      } catch (err) {
        if (!isShadowtwinError(err)) throw err;
      }
    }), { numRuns: RUNS / 2 });
  });
});
