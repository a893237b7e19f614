import { describe, expect, it } from 'vitest';
import { coarsened, coarseFactor, drift, seasonalNaive } from '../../../src/forecast/index.js';

describe('coarsened models', () => {
  it('fit on block means and interpolate back to the step: exact on a straight line', () => {
    const y = Array.from({ length: 601 }, (_, i) => 10 + 2 * i);
    const fc = coarsened('drift-3', 3, () => drift).forecast(y, 10);
    fc.forEach((v, j) => expect(v).toBeCloseTo(10 + 2 * (601 + j), 6));
  });

  it('keep a smooth daily shape at the step, and pick block sizes that divide the period', () => {
    const day = 288;
    const y = Array.from({ length: 3 * day }, (_, i) => 100 + 50 * Math.sin((2 * Math.PI * i) / day));
    const k = coarseFactor(day);
    expect(k).toBe(3);
    expect(coarseFactor(1440)).toBe(15);
    expect(coarseFactor(48)).toBe(1);
    const fc = coarsened('snaive-3', k, (f) => seasonalNaive(day / f)).forecast(y, day);
    fc.forEach((v, j) => expect(Math.abs(v - (100 + 50 * Math.sin((2 * Math.PI * (3 * day + j)) / day)))).toBeLessThan(0.5));
  });
});
