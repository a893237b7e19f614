import type { EventEmitter } from 'node:events';
import type { WindowDocument } from '../common/contracts/index.js';
import type { RunRecorder } from './run-recorder.js';
import type { RunReport } from './run-report.js';

/** A run's state once a second (and once at the end), for progress lines and dashboards. */
export interface Progress {
  elapsedMs: number;
  durationMs: number;
  intendedRate: number;
  achievedRate: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  dropped: number;
  inFlight: number;
  multiplier: number;
}

/**
 * Everything a load run tells its listeners, declared once. Producers do not
 * know consumers: the progress line, the summary, the HTML report, the
 * metrics endpoint, a dashboard or a remote agent each listen to these.
 */
export interface LoadRunEvents {
  /** Once a second while the run lasts, and once at its end (only computed when someone listens). */
  progress: [progress: Progress];
  /**
   * Once a second and once at the end: what completed in that second, as a
   * window document (role `generator`). Recorded only when a `window`
   * listener is attached before the run starts; the windows of a run add up
   * exactly to its report's per-route stats (`mergeWindows`).
   */
  window: [window: WindowDocument];
  /** The run has ended (every in-flight request finished): its recorder. */
  done: [recorder: RunRecorder];
  /** The run's report, built from the recorder (`PreparedRun.execute`). */
  report: [report: RunReport];
  /** The run failed (it rejects too); emitted only when someone listens. */
  error: [error: Error];
}

/** What listeners attach to: a load run, typed by its events. */
export type LoadRunEmitter = EventEmitter<LoadRunEvents>;
