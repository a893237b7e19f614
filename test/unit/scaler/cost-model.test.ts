import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/common/index.js';
import { capacityForMix, fitCostModel, projectDemand } from '../../../src/scaler/index.js';

describe('cost model (regression of a resource series on per-route rates)', () => {
  const truth = { 'GET /products/:id': 0.002, 'POST /checkout': 0.02, 'GET /health': 0 };
  const samples = (n: number, noise: number, seed = 1): Array<{ rates: Record<string, number>; resource: number }> => {
    const r = seededRandom(seed);
    return Array.from({ length: n }, () => {
      const rates = { 'GET /products/:id': 50 + r() * 200, 'POST /checkout': 2 + r() * 20, 'GET /health': 1 + r() * 2 };
      const resource = 0.15 + Object.entries(truth).reduce((a, [k, c]) => a + c * rates[k as keyof typeof rates], 0) + (r() - 0.5) * noise;
      return { rates, resource };
    });
  };

  it('recovers per-route costs and the idle base from noisy samples, never negative', () => {
    const m = fitCostModel(samples(120, 0.02));
    expect(m.costs['GET /products/:id']!).toBeCloseTo(0.002, 3);
    expect(Math.abs(m.costs['POST /checkout']! - 0.02) / 0.02).toBeLessThan(0.1);
    expect(m.costs['GET /health']!).toBeGreaterThanOrEqual(0);
    expect(m.costs['GET /health']!).toBeLessThan(0.01);
    expect(Math.abs(m.base - 0.15)).toBeLessThan(0.03);
    expect(m.r2).toBeGreaterThan(0.95);
  });

  it('turns a shifted route mix into more demand and less capacity per replica at the same total rate', () => {
    const m = fitCostModel(samples(120, 0.01, 2));
    const usual = { 'GET /products/:id': 0.9, 'POST /checkout': 0.1 };
    const sale = { 'GET /products/:id': 0.7, 'POST /checkout': 0.3 }; // checkout ×3
    expect(projectDemand(m, 200, sale)).toBeGreaterThan(projectDemand(m, 200, usual));
    // One replica with one core: usual ≈ 1 / (0.9·0.002 + 0.1·0.02) ≈ 263 req/s; the sale mix ≈ 135 req/s.
    expect(capacityForMix(m, usual, 1)).toBeGreaterThan(230);
    expect(capacityForMix(m, usual, 1)).toBeLessThan(300);
    expect(capacityForMix(m, sale, 1) / capacityForMix(m, usual, 1)).toBeCloseTo(0.51, 1);
  });

  it('says how many samples it needs', () => {
    expect(() => fitCostModel(samples(3, 0))).toThrow(/needs at least 4 samples/);
  });
});
