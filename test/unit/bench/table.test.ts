import { describe, expect, it } from 'vitest';
import { checksTable, median, spread } from '../../../bench/lib/table.js';

describe('bench tables', () => {
  it('median refuses no values instead of returning undefined', () => {
    expect(() => median([])).toThrow(/no values/);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('spread gives the median and the range over rounds, the value alone for one round', () => {
    expect(spread([10.7, 1.8, 33, 15, 20.7], 1)).toBe('15.0 (1.8–33.0)');
    expect(spread([2.5], 3)).toBe('2.500');
  });

  it('every check row shows its same-run reference; a row without a target is info, not PASS', () => {
    const md = checksTable([
      { name: 'lag p99 over jitter p99', value: '0.4 ms', reference: 'timer jitter 3.1 ms', target: '≤ +1 ms', pass: true },
      { name: 'rejected proposals', value: '0 of 4', target: '(information)' },
      { name: 'CPU per request', value: '2.3×', reference: 'bare undici', target: '≤ 1.5×', pass: false },
    ]);
    const rows = md.split('\n');
    expect(rows[0]).toBe('| check | measured | same-run reference | target | result |');
    expect(rows[2]).toBe('| lag p99 over jitter p99 | 0.4 ms | timer jitter 3.1 ms | ≤ +1 ms | PASS |');
    expect(rows[3]).toBe('| rejected proposals | 0 of 4 | — | (information) | info |');
    expect(rows[4]).toMatch(/\| FAIL \|$/);
  });
});
