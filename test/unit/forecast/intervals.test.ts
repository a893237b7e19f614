import { describe, expect, it } from 'vitest';
import { calibrate } from '../../../src/forecast/intervals.js';

describe('calibrate', () => {
  it('count-like errors (spread ∝ √level) get intervals that hold their level at quiet and busy times alike', () => {
    // Seven folds of 48 steps alternating between 100 and 10,000 per step; errors ±√level × a fixed spread of z.
    const z = Array.from({ length: 48 }, (_, j) => ((j * 37) % 21) / 10 - 1);
    const fcs = Array.from({ length: 7 }, () => Array.from({ length: 48 }, (_, j) => (j % 2 ? 10_000 : 100)));
    const actuals = fcs.map((fc, i) => fc.map((v, j) => v + Math.sqrt(v) * 1.5 * z[(j + 5 * i) % 48]!));
    const cal = calibrate(fcs, actuals, [0.8], 0);
    const cover = (level: number): number => {
      let inside = 0;
      let n = 0;
      fcs.forEach((fc, i) => fc.forEach((v, j) => { if (v === level) { n++; if (Math.abs(actuals[i]![j]! - v) <= cal.halfWidth(0.8, j, v)) inside++; } }));
      return inside / n;
    };
    // Errors proportional to the level made busy intervals 10× too wide (coverage 1) and quiet ones too narrow.
    expect(cover(100)).toBeGreaterThan(0.7);
    expect(cover(10_000)).toBeLessThan(0.95);
  });
});
