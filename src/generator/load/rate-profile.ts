/**
 * A rate profile: intended requests per second as a function of time since
 * the start (ms). Pure; executors build one from their parameters. Events
 * ("flash sale ×5 from minute 3 for 2 minutes") multiply it over a window.
 */
export type RateProfile = (tMs: number) => number;

export interface Stage { durationMs: number; target: number }

export function constantRate(rate: number): RateProfile {
  return () => rate;
}

/** k6 ramping-arrival-rate: linear from the previous target to each stage's target. */
export function rampingRate(startRate: number, stages: readonly Stage[]): RateProfile {
  return (t) => {
    let from = startRate;
    let begin = 0;
    for (const s of stages) {
      if (t < begin + s.durationMs) return from + ((s.target - from) * (t - begin)) / Math.max(1, s.durationMs);
      from = s.target;
      begin += s.durationMs;
    }
    return from;
  };
}

/** Piecewise-constant steps. */
export function stepRate(steps: ReadonlyArray<{ durationMs: number; rate: number }>): RateProfile {
  return (t) => {
    let begin = 0;
    for (const s of steps) {
      if (t < begin + s.durationMs) return s.rate;
      begin += s.durationMs;
    }
    return steps.length ? steps[steps.length - 1]!.rate : 0;
  };
}

/** Peak-valley: a sine around `mean` with `amplitude` (0..1 of mean) and period; phase 0 starts at the mean going up. */
export function peakValley(mean: number, amplitude: number, periodMs: number): RateProfile {
  return (t) => Math.max(0, mean * (1 + amplitude * Math.sin((2 * Math.PI * t) / periodMs)));
}

/** Follows a series of (offset, rate) points linearly (e.g. a forecast's point or upper bound). */
export function seriesRate(points: ReadonlyArray<{ offsetMs: number; rate: number }>): RateProfile {
  const pts = [...points].sort((a, b) => a.offsetMs - b.offsetMs);
  return (t) => {
    if (pts.length === 0) return 0;
    if (t <= pts[0]!.offsetMs) return pts[0]!.rate;
    for (let i = 1; i < pts.length; i++) {
      const a = pts[i - 1]!;
      const b = pts[i]!;
      if (t <= b.offsetMs) return a.rate + ((b.rate - a.rate) * (t - a.offsetMs)) / Math.max(1, b.offsetMs - a.offsetMs);
    }
    return pts[pts.length - 1]!.rate;
  };
}

export interface RateEvent { name: string; startMs: number; durationMs: number; multiplier: number }

/** Applies events (multipliers over windows) and ramp-up/down envelopes. */
export function withEvents(profile: RateProfile, events: readonly RateEvent[]): RateProfile {
  if (events.length === 0) return profile;
  return (t) => {
    let m = 1;
    for (const e of events) if (t >= e.startMs && t < e.startMs + e.durationMs) m *= e.multiplier;
    return profile(t) * m;
  };
}

export function withRamps(profile: RateProfile, rampUpMs: number, rampDownMs: number, durationMs: number): RateProfile {
  if (rampUpMs <= 0 && rampDownMs <= 0) return profile;
  return (t) => {
    let f = 1;
    if (rampUpMs > 0 && t < rampUpMs) f = t / rampUpMs;
    if (rampDownMs > 0 && t > durationMs - rampDownMs) f = Math.min(f, Math.max(0, (durationMs - t) / rampDownMs));
    return profile(t) * f;
  };
}
