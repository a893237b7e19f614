import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDocument, tableFromWindows, mergeWindows, WINDOW_CONTRACT, type WindowDocument } from '../../src/common/contracts/index.js';
import { decodeHistogram, type EncodedRouteStats } from '../../src/common/index.js';
import { mergeReports, parseScenario, prepareRun, type RunReport } from '../../src/generator/index.js';
import { startServer, type TestServer } from '../helpers/servers.js';

/**
 * A run emits a window document per second; windows add up exactly (counts,
 * status, ST_* codes, HDR histograms) to the run's report, and the windows of
 * N segments to the merged report of those segments.
 */

const ROUTES = ['/ok/1', '/ok/2', '/missing', '/boom', '/slow'] as const;
const RECORDS = 150;

/** Deterministic answers by path; /slow never answers (the run's 1 s timeout: ST_TIMEOUT; long enough that a loaded machine does not time out connects). */
function handler(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
  const path = req.url ?? '/';
  if (path.startsWith('/ok/')) res.end('ok');
  else if (path === '/missing') res.writeHead(404).end('no');
  else if (path === '/boom') res.writeHead(500).end('boom');
  // /slow: no answer
}

/** Capture records as documents (the run is given them, not a file): 150 over ~1.5 s, routes in turn. */
const records = Array.from({ length: RECORDS }, (_, i) => ({ ts: 1_700_000_000_000 + i * 10, method: 'GET', path: ROUTES[i % ROUTES.length]!, route: ROUTES[i % ROUTES.length]!, status: 200, reqBytes: 0, resBytes: 0 }));

const byKey = (rows: readonly EncodedRouteStats[]): EncodedRouteStats[] => [...rows].sort((a, b) => `${a.method} ${a.route}`.localeCompare(`${b.method} ${b.route}`));

/**
 * An HDR histogram as its recorded values and their counts: the encoded
 * form depends on how the histogram grew (recorded vs merged), not only on
 * what it holds, so exact equality is checked on this.
 */
function hdrValues(encoded: string): Array<[number, number]> {
  const h = decodeHistogram(encoded) as unknown as { countsArrayLength: number; getCountAtIndex(i: number): number; valueFromIndex(i: number): number };
  const out: Array<[number, number]> = [];
  for (let i = 0; i < h.countsArrayLength; i++) {
    const n = h.getCountAtIndex(i);
    if (n > 0) out.push([h.valueFromIndex(i), n]);
  }
  return out;
}

/** Route stats with each histogram as its values and counts (everything else as is). */
const exact = (rows: readonly EncodedRouteStats[]): unknown[] => byKey(rows).map(({ histogram, ...rest }) => ({ ...rest, codes: rest.codes ?? {}, hdr: hdrValues(histogram) }));
/** What must not depend on timing: counts, status, codes, bytes, the HDR histogram's total. */
const counts = (rows: readonly EncodedRouteStats[]): unknown[] => byKey(rows).map((r) => ({
  route: r.route, method: r.method, requests: r.requests, errors: r.errors, reqBytes: r.reqBytes, resBytes: r.resBytes,
  status: r.status, codes: r.codes ?? {}, hdrTotal: decodeHistogram(r.histogram).totalCount,
}));

interface Part { report: RunReport; windows: WindowDocument[] }

async function runSplit(target: string, count: number, extra: Record<string, unknown> = {}, inputs = { records }): Promise<Part[]> {
  const scenario = parseScenario({ target, seed: 7, load: { executor: 'replay' }, source: { kind: 'replay' }, http: { timeout: '1s' }, ...extra }, inputs);
  return Promise.all(Array.from({ length: count }, async (_, index) => {
    const prepared = await prepareRun(scenario, { inputs, ...(count > 1 ? { segment: { index, count } } : {}) });
    const windows: WindowDocument[] = [];
    prepared.run.on('window', (w) => windows.push(w));
    const report = await prepared.execute();
    return { report, windows };
  }));
}

describe('generator windows: per-second documents that merge exactly into the report', () => {
  let s: TestServer;
  const splits = new Map<number, Part[]>();
  beforeAll(async () => {
    s = await startServer(handler);
    for (const n of [1, 2, 4]) splits.set(n, await runSplit(s.url, n));
  }, 60_000);
  afterAll(() => s?.close());

  it('each run emits contiguous window documents (role generator, the report\'s runId) that add up exactly to its report', () => {
    for (const parts of splits.values()) {
      for (const { report, windows } of parts) {
        expect(windows.length).toBeGreaterThanOrEqual(2); // ~1.5 s of replay: at least one full second and the last part
        for (const [i, w] of windows.entries()) {
          expect(readDocument(WINDOW_CONTRACT, JSON.parse(JSON.stringify(w)), `window ${i}`)).toEqual(w);
          expect(w.source).toMatchObject({ role: 'generator', runId: report.meta.runId });
          if (i > 0) expect(w.start).toBe(windows[i - 1]!.end);
        }
        // Exactly, not approximately: every count and every HDR bucket.
        expect(exact(tableFromWindows(windows).encode())).toEqual(exact(report.histograms.routes));
        expect(windows.reduce((a, w) => a + w.routes.reduce((b, r) => b + r.requests, 0), 0)).toBe(report.summary.requests);
      }
    }
  });

  it('the windows of 2 and of 4 segments merge into exactly the merged report of those segments', () => {
    for (const n of [2, 4]) {
      const parts = splits.get(n)!;
      const merged = mergeReports(parts.map((p) => p.report));
      const windows = mergeWindows(parts.flatMap((p) => p.windows));
      expect(exact(windows.routes)).toEqual(exact(merged.histograms.routes));
      expect(merged.meta.segments).toBe(n);
    }
  });

  it('a run split in 1, 2 or 4 segments counts the same requests, statuses, ST_* codes and HDR totals per route', () => {
    const whole = counts(splits.get(1)![0]!.report.histograms.routes);
    for (const n of [2, 4]) expect(counts(mergeWindows(splits.get(n)!.flatMap((p) => p.windows)).routes)).toEqual(whole);
    // And those are the capture's: every record sent once, /slow timed out (status 0, ST_TIMEOUT), the rest answered as the server does.
    const per = RECORDS / ROUTES.length;
    const at = (route: string): Record<string, unknown> => (whole as Array<Record<string, unknown>>).find((r) => r.route === route)!;
    expect(at('/ok/1')).toMatchObject({ requests: per, errors: 0, status: { 200: per }, codes: {}, hdrTotal: per });
    expect(at('/missing')).toMatchObject({ requests: per, errors: 0, status: { 404: per }, codes: {} });
    expect(at('/boom')).toMatchObject({ requests: per, errors: per, status: { 500: per }, codes: {} });
    expect(at('/slow')).toMatchObject({ requests: per, errors: per, status: { 0: per }, codes: { ST_TIMEOUT: per }, hdrTotal: per });
  });

  it('over undici (faults) too: fault timeouts are counted as ST_TIMEOUT per route, and windows add up to the report', async () => {
    const [{ report, windows }] = await runSplit(s.url, 1, { faults: [{ kind: 'timeout', percent: 30, ms: 1 }] }, { records: records.filter((r) => r.path.startsWith('/ok/')) });
    expect(report.faults.timeout!.injected).toBeGreaterThan(0);
    const codes = report.histograms.routes.reduce((a, r) => a + (r.codes?.ST_TIMEOUT ?? 0), 0);
    expect(codes).toBe(report.summary.outcomes.timeout);
    expect(codes).toBe(report.faults.timeout!.outcomes.timeout);
    expect(exact(tableFromWindows(windows!).encode())).toEqual(exact(report.histograms.routes));
  }, 30_000);
});
