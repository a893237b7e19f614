import type { RequestRecord, WindowDocument } from '../common/index.js';

/**
 * Every event a `Sidecar` emits, with its arguments, declared once
 * (`sidecar.on('window', (w) => …)` is typed from here).
 */
export interface SidecarEvents {
  /** A finished request as a capture record (redacted); only built while someone listens or a capture file is set. */
  record: [record: RequestRecord];
  /** A closed telemetry window (`capture.window`) of the primary side or of the secondary side of mirroring. */
  window: [window: WindowDocument];
  /** A primary host was ejected after consecutive failures, for `ejectedForMs`. */
  ejected: [origin: string, ejectedForMs: number];
  /** An ejected primary host is back in rotation. */
  restored: [origin: string];
  /** The membership set changed (the new list of origins). */
  membership: [origins: string[]];
  /** `stop()` began: no new connections, in-flight requests finish. */
  draining: [];
  /** Everything is closed. */
  stopped: [];
  /** A non-fatal problem (already logged); the sidecar keeps running. */
  error: [err: Error];
}
