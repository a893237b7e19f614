import { describe, expect, it } from 'vitest';
import { releveled } from '../../../src/forecast/models/releveled.js';
import type { PointModel } from '../../../src/forecast/index.js';

// Copies the value one `p` back: the simplest seasonal model.
const copy = (p: number): PointModel => ({ name: 'copy', forecast: (y, h) => Array.from({ length: h }, (_, i) => y[y.length - p + (i % p)]!) });

describe('releveled', () => {
  it('scales the forecast by the last window actual ÷ what the model forecast for it, clamped to 0.5–2', () => {
    const p = 4;
    const base = [1, 2, 3, 4, 1, 2, 3, 4];
    const m = releveled(copy(p), p, p, 'r');
    // The last period at 1.5× the one before: the forecast follows.
    expect(m.forecast([...base, 1.5, 3, 4.5, 6], 4)).toEqual([2.25, 4.5, 6.75, 9]);
    // No change: no scaling.
    expect(m.forecast([...base, 1, 2, 3, 4], 2)).toEqual([1, 2]);
    // A tenfold burst is clamped to 2×.
    expect(m.forecast([...base, 10, 20, 30, 40], 1)).toEqual([20]);
    // Too short to fit the window's forecast: the model's own forecast.
    expect(m.forecast([1, 2, 3, 4, 2, 4, 6, 8].slice(0, 7), 1)).toEqual(copy(p).forecast([1, 2, 3, 4, 2, 4, 6], 1));
  });
});
