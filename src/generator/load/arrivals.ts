import { exponential, type Random } from '../../common/index.js';
import type { RateProfile } from './rate-profile.js';

/**
 * Turns a rate profile into arrival times (ms since start), lazily, so a
 * multiplier changed while running takes effect at the next arrival.
 *
 * `uniform` spaces arrivals evenly in "operational time" (the integral of
 * the rate); `poisson` draws exponential gaps in operational time (a
 * non-homogeneous Poisson process by time rescaling). The integral is
 * stepped in `stepMs` slices, exact for piecewise-linear profiles within a slice.
 */
export class ArrivalProcess {
  private readonly profile: RateProfile;
  private readonly durationMs: number;
  private readonly poisson: boolean;
  private readonly random: Random;
  private readonly stepMs: number;
  private multiplierValue = 1;
  private t = 0;
  /** Operational time owed before the next arrival (in "requests"). */
  private owed: number;

  constructor(profile: RateProfile, durationMs: number, opts: { poisson?: boolean; random: Random; stepMs?: number }) {
    this.profile = profile;
    this.durationMs = durationMs;
    this.poisson = opts.poisson ?? false;
    this.random = opts.random;
    this.stepMs = opts.stepMs ?? 10;
    // Uniform arrivals sit at the centres of their intervals, so a run of
    // duration D at rate r has exactly r·D arrivals.
    this.owed = this.poisson ? this.gap() : 0.5;
  }

  get multiplier(): number {
    return this.multiplierValue;
  }

  /** Scales the rate from the current arrival on (the control plane's intensity knob). */
  set multiplier(m: number) {
    this.multiplierValue = Math.max(0, m);
  }

  private gap(): number {
    return this.poisson ? exponential(this.random, 1) : 1;
  }

  private rate(t: number): number {
    return Math.max(0, this.profile(t)) * this.multiplierValue / 1000; // per ms
  }

  /** The next arrival's time in ms, or undefined when the run is over. */
  next(): number | undefined {
    let t = this.t;
    let owed = this.owed;
    while (t < this.durationMs) {
      const end = Math.min(this.durationMs, t + this.stepMs - (t % this.stepMs || 0));
      const r0 = this.rate(t);
      const r1 = this.rate(end);
      const area = ((r0 + r1) / 2) * (end - t);
      if (area >= owed) {
        // Solve within the slice (linear rate): r0·x + (r1−r0)/(2·len)·x² = owed.
        const len = end - t;
        const a = (r1 - r0) / (2 * len);
        const x = Math.abs(a) < 1e-12 ? owed / r0 : (-r0 + Math.sqrt(r0 * r0 + 4 * a * owed)) / (2 * a);
        const at = t + Math.min(len, Math.max(0, x));
        this.t = at;
        this.owed = this.gap();
        return at;
      }
      owed -= area;
      t = end;
    }
    this.t = this.durationMs;
    this.owed = owed;
    return undefined;
  }
}

/** Arrivals at recorded timestamps, compressed by `speed` (×2 = twice as fast). */
export class ReplayArrivals {
  private i = 0;
  private readonly offsets: number[];

  /** `endMs`: the run's duration; arrivals from then on are not sent (a duration shorter than the recording). */
  constructor(timestampsMs: readonly number[], speed: number, loopUntilMs?: number, endMs = Infinity) {
    const t0 = timestampsMs[0] ?? 0;
    const base = timestampsMs.map((ts) => (ts - t0) / speed);
    if (loopUntilMs === undefined || base.length === 0) {
      this.offsets = base.filter((o) => o < endMs);
    } else {
      // Loop the recording until the duration is filled, keeping the gap between loops.
      const span = base[base.length - 1]! + (base.length > 1 ? base[base.length - 1]! / (base.length - 1) : 1);
      this.offsets = [];
      for (let k = 0; ; k++) {
        for (const o of base) {
          const at = o + k * span;
          if (at >= loopUntilMs) return;
          this.offsets.push(at);
        }
        if (span <= 0) return;
      }
    }
  }

  get total(): number {
    return this.offsets.length;
  }

  /** Index into the recording for the arrival just returned. */
  sourceIndex(arrival: number, recordCount: number): number {
    return arrival % recordCount;
  }

  next(): number | undefined {
    return this.offsets[this.i++];
  }
}
