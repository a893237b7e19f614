import type { RunRecorder } from '../run-recorder.js';

/** What a load loop (open or closed) drives: the run's clock, recorder and one way to start a request. */
export interface LoadDriver {
  readonly recorder: RunRecorder;
  /** Whether the run was asked to stop. */
  readonly stopRequested: boolean;
  /** Requests outstanding now. */
  readonly inFlightCount: number;
  /** Milliseconds since the run's clock started. */
  readonly elapsedMs: number;
  /** Starts arrival `index` (intended at `intendedMs`); `after` runs when it (and any duplicates) ended. */
  start(index: number, intendedMs: number, after?: () => void): void;
  /** Ends the run if nothing is left to send or outstanding. */
  maybeFinish(): void;
}

/** A load model's loop: begins when the clock starts, says when it has nothing more to send. */
export interface LoadLoop {
  begin(t0: number): void;
  stop(): void;
  /** Nothing more will be sent (the run ends once in-flight requests have). */
  readonly exhausted: boolean;
}
