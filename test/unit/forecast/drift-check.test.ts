import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/common/index.js';
import { binomialUpperTail, intervalDrift, jensenShannonDistance, routeMixDrift, type IntervalObservation } from '../../../src/forecast/drift-check.js';

/** Normal draws by Box–Muller from a seeded uniform. */
function normals(seed: number): () => number {
  const u = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Observations around a flat forecast of 100 with a true 80% interval (±1.2816 σ), the truth shifted by `shift` σ. */
function observations(n: number, shift: number, seed: number): IntervalObservation[] {
  const z = normals(seed);
  const sigma = 10;
  return Array.from({ length: n }, (_, i) => ({ at: i, observed: 100 + sigma * (z() + shift), lower: 100 - 1.2816 * sigma, upper: 100 + 1.2816 * sigma }));
}

describe('binomial tail', () => {
  it('matches exact sums', () => {
    // P(X >= 3 | n=5, p=0.5) = (10 + 5 + 1) / 32
    expect(binomialUpperTail(3, 5, 0.5)).toBeCloseTo(16 / 32, 10);
    expect(binomialUpperTail(0, 5, 0.3)).toBe(1);
    expect(binomialUpperTail(6, 5, 0.3)).toBe(0);
    // P(X >= 1 | n=10, p=0.1) = 1 - 0.9^10
    expect(binomialUpperTail(1, 10, 0.1)).toBeCloseTo(1 - 0.9 ** 10, 10);
  });
});

describe('interval drift', () => {
  it('raises no drift when reality keeps the interval\'s level: false alarms at about alpha over many seeds', () => {
    let alarms = 0;
    for (let seed = 1; seed <= 400; seed++) if (intervalDrift(observations(60, 0, seed), 0.8, { alpha: 0.01 }).drift) alarms++;
    // alpha = 0.01 (the binomial test is conservative): at most a few in 400.
    expect(alarms).toBeLessThanOrEqual(8);
  });

  it('raises drift after a level shift, with the misses on the side it moved to', () => {
    let detected = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const d = intervalDrift(observations(60, 1.5, seed), 0.8);
      if (d.drift) {
        detected++;
        expect(d.above).toBeGreaterThan(d.below);
      }
    }
    expect(detected).toBeGreaterThanOrEqual(95);
  });

  it('judges nothing below the minimum number of observations, and ignores non-finite ones', () => {
    const far = Array.from({ length: 11 }, (_, i) => ({ at: i, observed: 1e6, lower: 0, upper: 1 }));
    expect(intervalDrift(far, 0.8).drift).toBe(false);
    expect(intervalDrift([...far, { at: 12, observed: 1e6, lower: 0, upper: 1 }], 0.8).drift).toBe(true);
    const d = intervalDrift([...far, { at: 13, observed: Number.NaN, lower: 0, upper: 1 }], 0.8);
    expect(d.n).toBe(11);
  });
});

describe('route mix drift', () => {
  it('Jensen–Shannon distance: 0 for the same mix at any scale, 1 for disjoint mixes, symmetric', () => {
    expect(jensenShannonDistance({ a: 1, b: 3 }, { a: 10, b: 30 })).toBeCloseTo(0, 12);
    expect(jensenShannonDistance({ a: 1 }, { b: 1 })).toBeCloseTo(1, 12);
    const x = { a: 5, b: 1, c: 2 };
    const y = { a: 1, b: 4 };
    expect(jensenShannonDistance(x, y)).toBeCloseTo(jensenShannonDistance(y, x), 12);
  });

  it('sampling noise from the model\'s own mix stays under the threshold; a new dominant route crosses it', () => {
    const model = { '/products/:id': 0.6, '/search': 0.3, '/checkout': 0.1 };
    const u = seededRandom(7);
    const draw = (weights: Record<string, number>, n: number): Record<string, number> => {
      const keys = Object.keys(weights);
      const total = keys.reduce((s, k) => s + weights[k]!, 0);
      const out: Record<string, number> = {};
      for (let i = 0; i < n; i++) {
        let r = u() * total;
        const k = keys.find((key) => (r -= weights[key]!) < 0) ?? keys[keys.length - 1]!;
        out[k] = (out[k] ?? 0) + 1;
      }
      return out;
    };
    expect(routeMixDrift(model, draw(model, 2000)).drift).toBe(false);
    const flash = draw({ ...model, '/checkout': 2.5 }, 2000);
    const d = routeMixDrift(model, flash);
    expect(d.drift).toBe(true);
    expect(d.moved[0]!.route).toBe('/checkout');
    expect(d.moved[0]!.observed).toBeGreaterThan(d.moved[0]!.expected);
  });

  it('a handful of requests never raises it', () => {
    expect(routeMixDrift({ a: 1 }, { b: 50 }).drift).toBe(false);
    expect(routeMixDrift({ a: 1 }, { b: 500 }).drift).toBe(true);
  });
});
