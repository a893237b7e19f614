import type { Random } from '../../common/index.js';
import { ArrivalProcess, ReplayArrivals } from './arrivals.js';
import { constantRate, peakValley, rampingRate, seriesRate, stepRate, withEvents, withRamps, type RateEvent, type RateProfile } from './rate-profile.js';
import type { LoadConfig } from '../scenario.js';

export interface ExecutorInput {
  load: LoadConfig;
  durationMs: number;
  rampUpMs: number;
  rampDownMs: number;
  events: RateEvent[];
  random: Random;
  /** Timestamps of the replay source's records (replay executor only). */
  replayTimestamps?: number[];
}

export type Executor =
  | { model: 'open'; arrivals: ArrivalProcess | ReplayArrivals; profile?: RateProfile }
  | { model: 'closed'; vus: number };

type Factory = (input: ExecutorInput) => Executor;

function open(profile: RateProfile, input: ExecutorInput, poisson = false): Executor {
  const shaped = withRamps(withEvents(profile, input.events), input.rampUpMs, input.rampDownMs, input.durationMs);
  return { model: 'open', profile: shaped, arrivals: new ArrivalProcess(shaped, input.durationMs, { poisson, random: input.random }) };
}

/**
 * Load models, one per name (k6's executors). Each turns the scenario's
 * `load` block into arrivals (open model) or a number of loops (closed).
 */
export const EXECUTORS: Record<LoadConfig['executor'], Factory> = {
  'constant-rate': (i) => open(constantRate(i.load.rate ?? 0), i),
  poisson: (i) => open(constantRate(i.load.rate ?? 0), i, true),
  'ramping-rate': (i) => open(rampingRate(i.load.startRate ?? 0, (i.load.stages ?? []).map((s) => ({ durationMs: s.duration, target: s.target }))), i, i.load.poisson),
  step: (i) => open(stepRate((i.load.steps ?? []).map((s) => ({ durationMs: s.duration, rate: s.rate }))), i, i.load.poisson),
  'peak-valley': (i) => open(peakValley(i.load.rate ?? 0, i.load.amplitude ?? 0.5, i.load.period ?? 60_000), i, i.load.poisson),
  forecast: (i) => open(seriesRate((i.load.points ?? []).map((p) => ({ offsetMs: p.at, rate: p.rate * (i.load.multiplier ?? 1) }))), i, i.load.poisson),
  replay: (i) => ({ model: 'open', arrivals: new ReplayArrivals(i.replayTimestamps ?? [], i.load.speed ?? 1, i.load.loop ? i.durationMs : undefined, i.durationMs) }),
  // Session starts at `rate` per second (Poisson unless poisson: false); prepareRun wraps them in SessionArrivals.
  sessions: (i) => open(constantRate(i.load.rate ?? 0), i, i.load.poisson ?? true),
  concurrency: (i) => ({ model: 'closed', vus: i.load.vus ?? 1 }),
};

/** The highest rate a profile reaches (sampled every 100 ms), for the hard rate cap. */
export function peakRate(profile: RateProfile, durationMs: number): number {
  let peak = 0;
  for (let t = 0; t <= durationMs; t += 100) peak = Math.max(peak, profile(t));
  return peak;
}
