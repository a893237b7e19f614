import { describe, expect, it } from 'vitest';
import { RouteStatsTable, windowFromTable, type WindowDocument } from '../../../src/common/index.js';
import { fillTemplate, modelFromWindows, ModelSampler, parseRequestModel, rateSeries, sizeQuantiles } from '../../../src/profiler/index.js';

function win(start: number, perRoute: Array<[string, string, number, number]>): WindowDocument {
  const t = new RouteStatsTable();
  for (const [method, route, n, status] of perRoute) for (let i = 0; i < n; i++) t.get(route, method).record(status, 5 + (i % 3), method === 'POST' ? 300 : 0, 1000, false);
  return windowFromTable({ service: 'shop', pod: 'p1', role: 'primary' }, start, start + 5_000, t);
}

describe('modelFromWindows', () => {
  const t0 = Date.UTC(2026, 0, 5, 10, 0, 0);
  const windows = [
    win(t0, [['GET', '/products/:id', 60, 200], ['POST', '/orders', 20, 201], ['GET', '/search', 15, 200], ['GET', '/search', 5, 503]]),
    win(t0 + 5_000, [['GET', '/products/:id', 60, 200], ['POST', '/orders', 20, 201], ['GET', '/search', 20, 200]]),
  ];
  windows[1]!.routes.push({ ...windows[1]!.routes[0]!, route: 'other', requests: 7 });

  it('builds a request model the contract accepts, with the windows\' mix, status, sizes and rate', () => {
    const m = parseRequestModel(JSON.parse(JSON.stringify(modelFromWindows(windows, { ids: 5 }))), 'model');
    expect(m.routes.map((r) => `${r.method} ${r.route}`)).toEqual(['GET /products/:id', 'GET /search', 'POST /orders']);
    expect(m.routes.map((r) => r.requests)).toEqual([120, 40, 40]);
    expect(m.routes.map((r) => r.weight)).toEqual([0.6, 0.2, 0.2]);
    expect(m.routes[1]!.status).toEqual({ 200: 35, 503: 5 });
    expect(m.routes[0]!.paths).toEqual(['/products/1', '/products/2', '/products/3', '/products/4', '/products/5']);
    expect(m.routes[2]!.paths).toEqual(['/orders']);
    // Windows carry byte totals only, so each route's size distribution is its mean (sizeQuantiles undoes the stored + 1).
    expect(sizeQuantiles(m.routes[2]!.reqBytes).p50).toBeCloseTo(300, 0);
    expect(sizeQuantiles(m.routes[0]!.resBytes).p99).toBeCloseTo(1000, 0);
    expect(m.provenance.records).toBe(200);
    expect(m.sessions).toBeNull();
    const series = rateSeries(m.rate);
    expect(series.values.reduce((a, b) => a + b, 0)).toBe(200);
  });

  it('samples like the live mix (the generator\'s sampler)', () => {
    const s = new ModelSampler(modelFromWindows(windows), 7);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 5_000; i++) { const r = s.request(); counts[`${r.method} ${r.route}`] = (counts[`${r.method} ${r.route}`] ?? 0) + 1; }
    expect(counts['GET /products/:id']! / 5_000).toBeGreaterThan(0.55);
    expect(counts['GET /products/:id']! / 5_000).toBeLessThan(0.65);
    expect(counts['POST /orders']! / 5_000).toBeGreaterThan(0.17);
    expect(counts['POST /orders']! / 5_000).toBeLessThan(0.23);
    expect(Object.keys(counts)).not.toContain('GET other');
  });

  it('fills every parameter segment', () => {
    expect(fillTemplate('/users/:uid/posts/:pid', 3)).toBe('/users/3/posts/3');
    expect(fillTemplate('/static/*', 2)).toBe('/static/2');
    expect(fillTemplate('/plain', 2)).toBe('/plain');
  });

  it('is empty, not broken, without windows', () => {
    const m = modelFromWindows([]);
    expect(m.routes).toEqual([]);
    expect(parseRequestModel(m, 'model').provenance.records).toBe(0);
  });
});
