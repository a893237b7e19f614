import type { LoadDriver, LoadLoop } from './load-driver.js';

/**
 * The closed model (for comparison only): `vus` loops, each sending its next
 * request when the previous one ended, until the duration is over. Latency
 * is then service time only: a stalled target slows the loops down instead
 * of showing up in the percentiles (coordinated omission, by design here).
 */
export class ClosedLoop implements LoadLoop {
  constructor(private readonly run: LoadDriver, private readonly vus: number, private readonly durationMs: number) {}

  get exhausted(): boolean {
    return this.run.stopRequested || this.run.elapsedMs >= this.durationMs;
  }

  begin(): void {
    const run = this.run;
    const vus = this.vus;
    const loop = (vu: number, i: number): void => {
      if (this.exhausted) {
        run.maybeFinish();
        return;
      }
      const now = run.elapsedMs;
      run.recorder.arrival(now, 0);
      run.start(vu + i * vus, now, () => loop(vu, i + 1));
    };
    for (let vu = 0; vu < vus; vu++) loop(vu, 0);
  }

  stop(): void {
    // The loops see `stopRequested` before their next request.
  }
}
