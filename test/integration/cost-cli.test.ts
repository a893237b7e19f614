import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/index.js';
import { costSamplesFromSeries } from '../../src/scaler/index.js';
import { ModelBuilder } from '../../src/profiler/index.js';
import { runCli } from '../helpers/cli.js';

describe('shadowtwin cost', () => {
  it('fits per-route costs from samples (bad lines skipped and reported) and projects a flash-sale mix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-cost-'));
    const r = seededRandom(4);
    const lines: string[] = [];
    for (let i = 0; i < 60; i++) {
      const rates = { 'GET /products/:id': 50 + r() * 150, 'POST /checkout': 1 + r() * 15 };
      lines.push(JSON.stringify({ rates, resource: 0.1 + 0.002 * rates['GET /products/:id'] + 0.02 * rates['POST /checkout'] + (r() - 0.5) * 0.01 }));
      if (i === 7) lines.push('{"rates": "oops"}', 'not json');
    }
    writeFileSync(join(dir, 'samples.ndjson'), lines.join('\n') + '\n');
    const fit = runCli(['cost', 'fit', '--samples', join(dir, 'samples.ndjson'), '-o', join(dir, 'cost.json')]);
    expect(await fit.exit).toBe(0);
    expect(fit.stderr()).toMatch(/skipped 2 lines .* \(lines 9, 10\)/);
    const model = JSON.parse(readFileSync(join(dir, 'cost.json'), 'utf8')) as { costs: Record<string, number>; r2: number };
    expect(model.costs['POST /checkout']).toBeCloseTo(0.02, 2);
    expect(model.r2).toBeGreaterThan(0.95);

    // A real request model (the reader refuses partial ones): 90% GET /products/:id, 10% POST /checkout.
    const builder = new ModelBuilder({});
    for (let i = 0; i < 1000; i++) builder.add(i % 10 === 9
      ? { ts: 1_709_251_200_000 + i * 1000, method: 'POST', target: '/checkout', status: 200, resBytes: 10 }
      : { ts: 1_709_251_200_000 + i * 1000, method: 'GET', target: `/products/${1000 + i}`, status: 200, resBytes: 10 });
    const built = builder.build();
    expect(built.routes.map((x) => `${x.method} ${x.route}`).sort()).toEqual(['GET /products/:id', 'POST /checkout']);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(built));
    const run = async (extra: string[]): Promise<{ demand: number; capacityPerReplica: number; replicas: number }> => {
      const p = runCli(['cost', 'project', join(dir, 'cost.json'), '--rate', '300', '--model', join(dir, 'model.json'), '--resource-per-replica', '1', '--json', ...extra]);
      expect(await p.exit, p.stderr()).toBe(0);
      return JSON.parse(p.stdout()) as { demand: number; capacityPerReplica: number; replicas: number };
    };
    const usual = await run([]);
    const sale = await run(['--boost', '/checkout=3']);
    expect(sale.demand).toBeGreaterThan(usual.demand);
    expect(sale.capacityPerReplica).toBeLessThan(usual.capacityPerReplica);
    expect(sale.replicas).toBeGreaterThan(usual.replicas);

    const bad = runCli(['cost', 'project', join(dir, 'cost.json'), '--rate', '300', '--model', join(dir, 'model.json'), '--boost', '/nope=2']);
    expect(await bad.exit).toBe(2);
    expect(bad.stderr()).toMatch(/--boost \/nope: no such route in the mix/);
  });

  it('aligns Prometheus range results into samples (missing route points are 0)', () => {
    const samples = costSamplesFromSeries(
      [{ labels: { route: '/a', method: 'GET' }, points: [{ ts: 1, value: 10 }, { ts: 2, value: 12 }] }, { labels: { route: '/b', method: 'POST' }, points: [{ ts: 2, value: 3 }] }],
      { labels: {}, points: [{ ts: 1, value: 0.5 }, { ts: 2, value: 0.7 }, { ts: 3, value: 0.2 }] },
    );
    expect(samples).toEqual([
      { rates: { 'GET /a': 10, 'POST /b': 0 }, resource: 0.5 },
      { rates: { 'GET /a': 12, 'POST /b': 3 }, resource: 0.7 },
      { rates: { 'GET /a': 0, 'POST /b': 0 }, resource: 0.2 },
    ]);
  });
});
