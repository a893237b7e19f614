import { reactiveDecision } from './policy.js';

/**
 * The reactive reference: what a Kubernetes HorizontalPodAutoscaler does
 * with its defaults, for comparing policies on the same load. Every sync
 * period (15 s) it reads a metric averaged over a window (metrics-server:
 * 30 s here), computes desired = ceil(current × utilisation / target),
 * skips changes within the 10% tolerance, scales up by at most
 * max(4 pods, 100%) per 15 s, and scales down only to the highest
 * recommendation of the last 5 minutes.
 */
export interface HpaOptions {
  targetUtilization: number;
  capacityPerReplica: number;
  minReplicas: number;
  maxReplicas: number;
  syncPeriodMs?: number;
  metricWindowMs?: number;
  tolerance?: number;
  downStabilizationMs?: number;
}

export class HpaReference {
  private readonly samples: Array<{ t: number; rate: number }> = [];
  private readonly recommendations: Array<{ t: number; replicas: number }> = [];
  private lastSync = -Infinity;
  private readonly o: Required<HpaOptions>;

  constructor(o: HpaOptions) {
    this.o = { syncPeriodMs: 15_000, metricWindowMs: 30_000, tolerance: 0.1, downStabilizationMs: 300_000, ...o };
  }

  /** Feeds the observed request rate (the load metric) at time `t`. */
  observe(t: number, rate: number): void {
    this.samples.push({ t, rate });
    while (this.samples.length && this.samples[0]!.t < t - this.o.metricWindowMs) this.samples.shift();
  }

  /** The replica count the HPA sets at time `t` given `current` replicas (unchanged between syncs). */
  decide(t: number, current: number): number {
    if (t - this.lastSync < this.o.syncPeriodMs) return current;
    this.lastSync = t;
    if (this.samples.length === 0) return current;
    const avg = this.samples.reduce((a, s) => a + s.rate, 0) / this.samples.length;
    let desired = reactiveDecision(current, avg, this.o.capacityPerReplica, this.o.targetUtilization, this.o.minReplicas, this.o.maxReplicas, this.o.tolerance);
    this.recommendations.push({ t, replicas: desired });
    while (this.recommendations.length && this.recommendations[0]!.t < t - this.o.downStabilizationMs) this.recommendations.shift();
    if (desired < current) desired = Math.min(current, Math.max(...this.recommendations.map((r) => r.replicas)));
    if (desired > current) desired = Math.min(desired, Math.max(current + 4, current * 2));
    return desired;
  }
}
