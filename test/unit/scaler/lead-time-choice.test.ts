import { describe, expect, it } from 'vitest';
import { MIN_COMPARISONS, notePrediction, scoreLeadTime, useShortTerm, type LeadTimeScores } from '../../../src/scaler/index.js';

const flat = (from: number, value: number) => [{ ts: from, point: value, upper: value }, { ts: from + 60_000, point: value, upper: value }];

/** Rounds every 10 s predicting 60 s ahead; the observed rate is `observed`; returns the scores after `rounds`. */
function run(shortSays: number, historySays: number, observed: number, rounds: number): LeadTimeScores {
  let s: LeadTimeScores = { pending: [], shortError: 0, historyError: 0, n: 0 };
  const rates: Array<{ t: number; rate: number }> = [];
  for (let i = 0; i < rounds; i++) {
    const now = i * 10_000;
    rates.push({ t: now, rate: observed });
    s = notePrediction(scoreLeadTime(s, rates), now + 60_000, flat(now, shortSays), flat(now, historySays));
  }
  return s;
}

describe('which forecast covers the lead time, by measurement', () => {
  it('uses the damped trend of fed windows until enough moments are scored', () => {
    const s = run(100, 190, 200, 6); // predictions due at 60 s: none scored by t = 50 s
    expect(s.n).toBe(0);
    expect(s.pending).toHaveLength(6);
    expect(useShortTerm(s)).toBe(true);
  });

  it('switches to the history\'s forecast when it measured better at the lead time, and back when it did not', () => {
    const worse = run(100, 190, 200, 6 + MIN_COMPARISONS + 2);
    expect(worse.n).toBe(MIN_COMPARISONS + 2);
    expect(worse.shortError).toBeCloseTo(0.5);
    expect(worse.historyError).toBeCloseTo(0.05);
    expect(useShortTerm(worse)).toBe(false);
    const better = run(198, 150, 200, 6 + MIN_COMPARISONS + 2);
    expect(useShortTerm(better)).toBe(true);
  });
});
