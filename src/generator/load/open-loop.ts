import type { Arrivals } from '../load-run.js';
import type { LoadDriver, LoadLoop } from './load-driver.js';

/** How long before an arrival the pacer stops sleeping on timers and switches to short precise sleeps. */
const PRECISE_MS = 2;
/** Longest precise sleep: the most a response can wait to be read because of the pacer. */
const SLEEP_SLICE_MS = 0.25;
/** A futex sleep overshoots by ~0.1 ms (timer slack and wake-up): asked for that much less. */
const SLEEP_OVERSHOOT_MS = 0.1;
const SLEEP_CELL = new Int32Array(new SharedArrayBuffer(4));

/**
 * The open model's pacer: arrivals are scheduled in advance; on each wake
 * every due arrival is sent, its lateness recorded as schedule lag; an
 * arrival beyond `maxInFlight` outstanding requests is dropped and counted.
 * With a segment, only arrivals whose index modulo count is its index.
 */
export class OpenLoop implements LoadLoop {
  private nextAt: number | undefined;
  private index = 0;
  private t0 = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;

  constructor(
    private readonly run: LoadDriver,
    private readonly arrivals: Arrivals,
    private readonly maxInFlight: number,
    private readonly segment: { index: number; count: number } | undefined,
  ) {}

  get exhausted(): boolean {
    return this.nextAt === undefined || this.run.stopRequested;
  }

  begin(t0: number): void {
    this.t0 = t0;
    this.nextAt = this.arrivals.next();
    this.tick();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.nextAt = undefined;
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    this.immediate = undefined;
    const run = this.run;
    // Stopped (possibly during the warm-up, before the clock started): finish once in-flight requests have.
    if (run.stopRequested) { run.maybeFinish(); return; }
    const seg = this.segment;
    const max = this.maxInFlight;
    const t0 = this.t0;
    // The clock is read per arrival: in a burst, later arrivals leave later, and their lag says so.
    let now = performance.now() - t0;
    for (; this.nextAt !== undefined && this.nextAt <= now; now = performance.now() - t0) {
      const intended = this.nextAt;
      const index = this.index++;
      this.nextAt = this.arrivals.next();
      if (seg && index % seg.count !== seg.index) continue;
      run.recorder.arrival(intended, now - intended);
      if (run.inFlightCount >= max) {
        run.recorder.drop(intended);
        continue;
      }
      run.start(index, intended);
    }
    if (this.nextAt === undefined) {
      run.maybeFinish();
      return;
    }
    const wait = this.nextAt - now;
    // Node's timers have 1 ms granularity and fire up to ~1 ms late (a 0 ms
    // timeout is 1 ms): with timers alone, arrivals 0.2 ms apart (5,000/s)
    // left ~1 ms late as a rule. So: a timer until ~2 ms before the next
    // arrival, then short futex sleeps (Atomics.wait takes fractional ms)
    // with an event-loop turn between them, so responses are still read
    // (a sleep never exceeds SLEEP_SLICE_MS). Spinning on setImmediate
    // instead cost a core, and on two cores shared with the target the
    // scheduler then preempted the generator for whole time slices.
    if (wait > PRECISE_MS) this.timer = setTimeout(this.tick, wait - PRECISE_MS);
    else {
      if (wait > SLEEP_OVERSHOOT_MS) Atomics.wait(SLEEP_CELL, 0, 0, Math.min(wait - SLEEP_OVERSHOOT_MS, SLEEP_SLICE_MS));
      this.immediate = setImmediate(this.tick);
    }
  };
}
