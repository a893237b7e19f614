import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, decide, reactiveDecision } from '../../../src/scaler/index.js';

const now = Date.UTC(2026, 0, 1, 12);
const flat = (rate: number, upper = rate * 1.1): Array<{ ts: number; point: number; upper: number }> => Array.from({ length: 20 }, (_, i) => ({ ts: now + i * 60_000, point: rate, upper }));

describe('scaling policy', () => {
  const p = { ...DEFAULT_POLICY, leadTimeMs: 120_000, lookAheadMs: 300_000, headroom: 1, targetUtilization: 0.5 };

  it('plans for the peak that arrives after the lead time', () => {
    const fc = flat(100).map((f, i) => (i >= 4 && i <= 6 ? { ...f, point: 400, upper: 420 } : f));
    const d = decide({ now, forecast: fc, capacityPerReplica: 100, currentReplicas: 2 }, p);
    expect(d.expectedRate).toBe(400);
    expect(d.replicas).toBe(8);
    expect(d.change).toBe('up');
    expect(d.reason).toMatch(/expected 400\.0 req\/s/);
  });

  it('uses the upper bound when the interval is wide', () => {
    const d = decide({ now, forecast: flat(100, 300), capacityPerReplica: 100, currentReplicas: 2 }, p);
    expect(d.usedUpperBound).toBe(true);
    expect(d.replicas).toBe(6);
  });

  it('does not scale in on forecast alone, respects step limits and the stabilisation window', () => {
    const low = decide({ now, forecast: flat(50), capacityPerReplica: 100, currentReplicas: 10, observedRate: 480 }, p);
    expect(low.replicas).toBe(10);
    expect(low.change).toBe('none');
    const quiet = decide({ now, forecast: flat(50), capacityPerReplica: 100, currentReplicas: 10, observedRate: 50 }, p);
    expect(quiet.replicas).toBe(10 - DEFAULT_POLICY.maxStepDown);
    const stab = decide({ now, forecast: flat(50), capacityPerReplica: 100, currentReplicas: 10, observedRate: 50, recentDesired: [{ at: now - 60_000, replicas: 10 }] }, p);
    expect(stab.replicas).toBe(10);
    const burst = decide({ now, forecast: flat(5000), capacityPerReplica: 100, currentReplicas: 2 }, { ...p, maxStepUp: 4 });
    expect(burst.replicas).toBe(6);
  });

  it('the reactive reference is the HPA formula with its 10% tolerance', () => {
    expect(reactiveDecision(4, 280, 100, 0.7, 1, 50)).toBe(4);
    expect(reactiveDecision(4, 400, 100, 0.7, 1, 50)).toBe(6);
    expect(reactiveDecision(4, 100, 100, 0.7, 1, 50)).toBe(2);
  });
});

describe('feedback', () => {
  it('raises headroom after a breach, lowers it slowly when over-provisioned, and keeps forecast errors', async () => {
    const { feedback } = await import('../../../src/scaler/index.js');
    let s = { headroom: 1.1, breaches: 0, forecastErrors: [] as Array<{ horizonMs: number; error: number }> };
    s = feedback(s, { sloBreached: true, utilization: 0.9, targetUtilization: 0.7, forecastRate: 80, observedRate: 100, horizonMs: 60_000 });
    expect(s.headroom).toBeCloseTo(1.21, 3);
    expect(s.breaches).toBe(1);
    expect(s.forecastErrors).toEqual([{ horizonMs: 60_000, error: 0.2 }]);
    s = feedback(s, { sloBreached: false, utilization: 0.2, targetUtilization: 0.7 });
    expect(s.headroom).toBeCloseTo(1.186, 3);
    for (let i = 0; i < 200; i++) s = feedback(s, { sloBreached: false, utilization: 0.1, targetUtilization: 0.7 });
    expect(s.headroom).toBe(1);
  });
});

describe('policy tolerance', () => {
  it('does not buy a replica for a forecast within 10% of what the current replicas carry', () => {
    const p = { ...DEFAULT_POLICY, leadTimeMs: 0, lookAheadMs: 0, headroom: 1, targetUtilization: 0.8, cooldownMs: 0 };
    const at = (rate: number): number => decide({ now: 0, forecast: [{ ts: 0, point: rate, upper: rate }], capacityPerReplica: 50, currentReplicas: 5 }, p).replicas;
    expect(at(215)).toBe(5); // 5 × 40 = 200 carried; 215 is within 10%
    expect(at(225)).toBe(6);
    expect(decide({ now: 0, forecast: [{ ts: 0, point: 215, upper: 215 }], capacityPerReplica: 50, currentReplicas: 5 }, { ...p, tolerance: 0 }).replicas).toBe(6);
  });
});
