import { describe, expect, it } from 'vitest';
import {
  decodeHistogram, isShadowtwinError, mergeWindows, RouteStatsTable, tableFromWindows, windowFromTable,
  type EncodedRouteStats, type WindowDocument,
} from '../../../../src/common/index.js';
import { fill, T0 } from './documents.js';

const source = (pod: string): WindowDocument['source'] => ({ service: 'shop', pod, role: 'primary' });

/** `parts` windows of consecutive 10 s, each with its own records, and one table holding all of them. */
function split(parts: number): { windows: WindowDocument[]; all: RouteStatsTable } {
  const all = new RouteStatsTable(100);
  const windows = Array.from({ length: parts }, (_, i) => {
    const seed = 11 + i * 7;
    fill(all, 400 + i * 50, seed);
    return windowFromTable(source(`shop-${i}`), T0 + i * 10_000, T0 + (i + 1) * 10_000, fill(new RouteStatsTable(100), 400 + i * 50, seed));
  });
  return { windows, all };
}

const byKey = (rows: readonly EncodedRouteStats[]): Map<string, EncodedRouteStats> => new Map(rows.map((r) => [`${r.method} ${r.route}`, r]));

/** Every count, status, code and byte sum equal; the histograms equal in total count and at every percentile. */
function expectSameRoutes(merged: readonly EncodedRouteStats[], one: readonly EncodedRouteStats[]): void {
  const a = byKey(merged);
  const b = byKey(one);
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  expect(a.size).toBeGreaterThanOrEqual(4);
  for (const [key, m] of a) {
    const o = b.get(key)!;
    expect({ requests: m.requests, errors: m.errors, reqBytes: m.reqBytes, resBytes: m.resBytes, status: m.status, codes: m.codes }, key)
      .toEqual({ requests: o.requests, errors: o.errors, reqBytes: o.reqBytes, resBytes: o.resBytes, status: o.status, codes: o.codes });
    expect(m.latencyMs, key).toEqual(o.latencyMs);
    const hm = decodeHistogram(m.histogram);
    const ho = decodeHistogram(o.histogram);
    expect(hm.totalCount, key).toBe(o.requests);
    expect(hm.totalCount).toBe(ho.totalCount);
    for (const p of [1, 10, 50, 90, 99, 99.9, 100]) expect(hm.getValueAtPercentile(p), `${key} p${p}`).toBe(ho.getValueAtPercentile(p));
  }
}

describe('window documents merge exactly', () => {
  it.each([2, 4])('merging %i windows equals one window built from all their records', (parts) => {
    const { windows, all } = split(parts);
    const merged = mergeWindows(windows, source('all'));
    expect(merged.start).toBe(T0);
    expect(merged.end).toBe(T0 + parts * 10_000);
    expect(merged.source.pod).toBe('all');
    const one = windowFromTable(source('all'), T0, T0 + parts * 10_000, all);
    expectSameRoutes(merged.routes, one.routes);
    expect(merged.routes.reduce((s, r) => s + r.requests, 0)).toBe(windows.reduce((s, w) => s + w.routes.reduce((x, r) => x + r.requests, 0), 0));
    // Codes were recorded, so the comparison above covered them.
    expect(merged.routes.some((r) => Object.keys(r.codes ?? {}).length > 0)).toBe(true);
    // The order of merging does not matter.
    expectSameRoutes(mergeWindows([...windows].reverse()).routes, one.routes);
    expectSameRoutes(tableFromWindows(windows).encode(), one.routes);
  });

  it('merging merged windows equals merging them all at once', () => {
    const { windows, all } = split(4);
    const twice = mergeWindows([mergeWindows(windows.slice(0, 2)), mergeWindows(windows.slice(2))]);
    expectSameRoutes(twice.routes, all.encode());
  });

  it('a bad HDR payload is ST_ERR_HISTOGRAM_DECODE naming the route and the source', () => {
    const { windows } = split(2);
    const broken: WindowDocument = { ...windows[1]!, routes: windows[1]!.routes.map((r, i) => (i === 0 ? { ...r, histogram: 'bm90IGEgaGlzdG9ncmFt' } : r)) };
    const route = broken.routes[0]!;
    try {
      mergeWindows([windows[0]!, broken]);
      expect.unreachable('a bad histogram was merged');
    } catch (err) {
      expect(isShadowtwinError(err)).toBe(true);
      expect((err as { code: string }).code).toBe('ST_ERR_HISTOGRAM_DECODE');
      expect((err as Error).message).toContain(`${route.method} ${route.route} of shop/shop-1`);
    }
  });

  it('merging nothing is refused', () => {
    expect(() => mergeWindows([])).toThrow(expect.objectContaining({ code: 'ST_ERR_INPUT_EMPTY' }));
  });
});
