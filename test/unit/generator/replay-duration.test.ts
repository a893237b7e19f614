import { describe, expect, it } from 'vitest';
import { ReplayArrivals } from '../../../src/generator/index.js';

function all(a: ReplayArrivals): number[] {
  const out: number[] = [];
  for (let t = a.next(); t !== undefined; t = a.next()) out.push(t);
  return out;
}

describe('replay with a duration shorter than the recording', () => {
  it('sends only the arrivals that fall inside the duration (a six-hour capture, --duration 2s)', () => {
    const hour = 3_600_000;
    const ts = [0, 500, 1900, 2000, 2500, hour, 6 * hour];
    expect(all(new ReplayArrivals(ts, 1, undefined, 2000))).toEqual([0, 500, 1900]);
    expect(all(new ReplayArrivals(ts, 2, undefined, 2000))).toEqual([0, 250, 950, 1000, 1250]);
  });

  it('without a duration plays the whole recording', () => {
    expect(all(new ReplayArrivals([10, 20, 40], 1))).toEqual([0, 10, 30]);
  });
});
