import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { summarizeMs, decodeHistogram } from '../../src/common/index.js';
import { buildModel, dispersionOf, jensenShannon, mergeModels, ModelSampler, type RequestModel } from '../../src/profiler/index.js';
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
    expect(skippedExamples.map((e) => e.line)).toEqual(fixture.malformed.slice(0, skippedExamples.length));
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
    expect(merged.rate.counts).toEqual(union.rate.counts);
    expect(merged.rate.dispersion).toBe(union.rate.dispersion);
    expect(merged.provenance.records).toBe(union.provenance.records);
  });

  it('fails with a clear error when the input is not in the expected format', async () => {
    const json = join(dir, 'not-clf.log');
    writeFileSync(json, Array.from({ length: 300 }, (_, i) => JSON.stringify({ i })).join('\n'));
    await expect(buildModel([{ file: json, format: 'combined' }])).rejects.toMatchObject({ code: 'ST_ERR_INPUT_FORMAT', message: expect.stringMatching(/does not look like Combined Log Format/) });
  });
});
