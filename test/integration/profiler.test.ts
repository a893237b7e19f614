import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { summarizeMs, decodeHistogram } from '../../src/common/index.js';
import { buildModel, dispersionOf, jensenShannon, mergeModels, ModelSampler, readRouteTable, routeReport, type RequestModel } from '../../src/profiler/index.js';
import { generateAccessLog } from '../helpers/log-fixture.js';

function ks(a: number[], b: number[]): number {
  const x = [...a].sort((m, n) => m - n);
  const y = [...b].sort((m, n) => m - n);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

const quantile = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]!; };

function perSecondDispersion(ts: number[]): number {
  const first = Math.floor(Math.min(...ts) / 1000);
  const last = Math.floor(Math.max(...ts) / 1000);
  const counts = new Array<number>(last - first + 1).fill(0);
  for (const t of ts) counts[Math.floor(t / 1000) - first]!++;
  return dispersionOf(counts);
}

describe('profiler: model fidelity on a realistic access log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-profile-'));
  const fixture = generateAccessLog({ sessions: 9000, seed: 11 });
  const file = join(dir, 'access.log.gz');
  let model: RequestModel;
  let skippedExamples: Array<{ line: number }>;

  beforeAll(async () => {
    writeFileSync(file, gzipSync(fixture.lines.join('\n') + '\n'));
    const built = await buildModel([{ file, format: 'combined' }], { random: () => 0.5 });
    model = built.model;
    skippedExamples = built.skips[0]!.examples;
  });

  it('skips malformed lines, counting them with line numbers, and keeps every good one', () => {
    expect(model.provenance.records).toBe(fixture.truth.length);
    expect(model.provenance.skipped.total).toBe(fixture.malformed.length);
    // The first ten skips, then the first ten of each reason: all real malformed lines, in order.
    const lines = skippedExamples.map((e) => e.line);
    expect(lines.slice(0, 10)).toEqual(fixture.malformed.slice(0, 10));
    expect(lines.every((l, i) => fixture.malformed.includes(l) && (i === 0 || l > lines[i - 1]!))).toBe(true);
  });

  it('infers the route templates a person would write', () => {
    const routes = new Set(model.routes.map((r) => `${r.method} ${r.route}`));
    expect(routes).toEqual(new Set(['GET /', 'GET /products', 'GET /products/:id', 'GET /search', 'POST /cart/add', 'POST /checkout', 'GET /users/:user/profile']));
    expect(model.routes.reduce((a, r) => a + r.weight, 0)).toBeCloseTo(1, 9);
    expect(model.routes.find((r) => r.route === '/search')!.queryKeySets).toEqual({ 'page&q': expect.any(Number) });
  });

  it('100k sampled requests reproduce the route mix, sizes, session lengths and burstiness', () => {
    const sampled = new ModelSampler(model, 5).sample(100_000);
    const truthMix: Record<string, number> = {};
    for (const t of fixture.truth) truthMix[`${t.method} ${t.route}`] = (truthMix[`${t.method} ${t.route}`] ?? 0) + 1;
    const sampledMix: Record<string, number> = {};
    for (const s of sampled) sampledMix[`${s.method} ${s.route}`] = (sampledMix[`${s.method} ${s.route}`] ?? 0) + 1;
    expect(jensenShannon(truthMix, sampledMix)).toBeLessThan(0.01);

    const truthBytes = fixture.truth.map((t) => t.bytes);
    const sampledBytes = sampled.map((s) => s.resBytes);
    for (const p of [0.5, 0.9, 0.99]) {
      const want = quantile(truthBytes, p);
      expect(Math.abs(quantile(sampledBytes, p) - want) / want).toBeLessThan(0.1);
    }

    const lengths = new Map<number, number>();
    for (const s of sampled) lengths.set(s.session!, (lengths.get(s.session!) ?? 0) + 1);
    const sampledLengths = [...lengths.values()].slice(0, -1); // the last session may be cut at n
    expect(ks(fixture.sessionLengths, sampledLengths)).toBeLessThan(0.05);

    // Same number of requests over the same window: per-second dispersion within 15%.
    const sampledSame = new ModelSampler(model, 6).sample(fixture.truth.length);
    const want = perSecondDispersion(fixture.truth.map((t) => t.ts));
    const got = perSecondDispersion(sampledSame.map((s) => s.ts));
    expect(Math.abs(got - want) / want).toBeLessThan(0.15);
    expect(model.rate.dispersion).toBeCloseTo(want, 2);
  });

  it('models built from shards merge into the model of the union', async () => {
    const half = Math.floor(fixture.lines.length / 2);
    const a = join(dir, 'a.log');
    const b = join(dir, 'b.log');
    writeFileSync(a, fixture.lines.slice(0, half).join('\n'));
    writeFileSync(b, fixture.lines.slice(half).join('\n'));
    const union = (await buildModel([{ file: join(dir, 'access.log.gz'), format: 'combined' }])).model;
    const merged = mergeModels([(await buildModel([{ file: a, format: 'combined' }])).model, (await buildModel([{ file: b, format: 'combined' }])).model]);
    const byKey = (m: RequestModel): Record<string, { requests: number; status: Record<string, number>; p50: number; p99: number }> => Object.fromEntries(m.routes.map((r) => {
      const h = summarizeMs(decodeHistogram(r.resBytes));
      return [`${r.method} ${r.route}`, { requests: r.requests, status: r.status, p50: h.p50, p99: h.p99 }];
    }));
    expect(byKey(merged)).toEqual(byKey(union));
    // The rate (per step, per second, hour and weekday shares, dispersion) adds exactly.
    expect(union.rate.steps.total).toBe(union.provenance.records);
    expect(merged.rate).toEqual(union.rate);
    expect(merged.provenance.records).toBe(union.provenance.records);
    // Distinct counts (HyperLogLog registers) merge exactly: union of the shards, not the larger one.
    expect(merged.clients.distinct).toBe(union.clients.distinct);
    expect(merged.routes.map((r) => r.distinctPaths)).toEqual(union.routes.map((r) => r.distinctPaths));
    expect(merged.routeSources).toEqual(union.routeSources);
  });

  it('reports route coverage and the largest groups; an OpenAPI route table takes precedence', async () => {
    const inferred = (await buildModel([{ file: join(dir, 'access.log.gz'), format: 'combined' }])).model;
    const report = routeReport(inferred);
    expect(report.coverage).toEqual({ table: 0, source: 0, inferred: 1 });
    // The fixture's product ids are the most varied paths.
    expect(report.largestGroups[0]).toMatchObject({ route: '/products/:id', method: 'GET' });
    const distinctIds = new Set(fixture.lines.map((l) => /"GET (\/products\/\d+)[ ?]/.exec(l)?.[1]).filter(Boolean)).size;
    expect(Math.abs(report.largestGroups[0]!.distinctPaths - distinctIds) / distinctIds).toBeLessThan(0.2);

    const spec = join(dir, 'openapi.yaml');
    writeFileSync(spec, ['openapi: 3.0.3', 'info: { title: shop, version: "1" }', 'servers:', '  - url: https://shop.example.com/', 'paths:', '  /products/{productId}:', '    get: { responses: { "200": { description: ok } } }', '  /cart/add:', '    post: { responses: { "200": { description: ok } } }', ''].join('\n'));
    const withTable = (await buildModel([{ file: join(dir, 'access.log.gz'), format: 'combined' }], { routes: readRouteTable(spec) })).model;
    expect(withTable.routes.some((r) => r.route === '/products/:productId')).toBe(true);
    expect(withTable.routes.some((r) => r.route === '/products/:id')).toBe(false);
    const covered = withTable.routes.filter((r) => r.route === '/products/:productId' || r.route === '/cart/add').reduce((a, r) => a + r.requests, 0);
    expect(routeReport(withTable).coverage!.table).toBeCloseTo(covered / withTable.provenance.records, 3);
  });

  it('fails with a clear error when the input is not in the expected format', async () => {
    const json = join(dir, 'not-clf.log');
    writeFileSync(json, Array.from({ length: 300 }, (_, i) => JSON.stringify({ i })).join('\n'));
    await expect(buildModel([{ file: json, format: 'combined' }])).rejects.toMatchObject({ code: 'ST_ERR_INPUT_FORMAT', message: expect.stringMatching(/does not look like Combined Log Format/) });
  });
});
