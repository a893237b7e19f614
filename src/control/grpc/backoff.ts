/** Reconnect delays: exponential from `initialMs`, capped at `maxMs`, with full jitter. */
export interface BackoffOptions {
  /** The cap of the first delay (default 200 ms). */
  initialMs?: number;
  /** The largest cap (default 30 s). */
  maxMs?: number;
  /** Growth per failed attempt (default 2). */
  factor?: number;
}

/** The cap of attempt `attempt` (0-based): min(maxMs, initialMs · factor^attempt). */
export function backoffCeilingMs(attempt: number, o: BackoffOptions = {}): number {
  const initial = o.initialMs ?? 200;
  const max = o.maxMs ?? 30_000;
  const factor = o.factor ?? 2;
  // Stop growing once past the cap so a long outage never overflows to Infinity.
  const exp = Math.min(Math.max(0, Math.floor(attempt)), 64);
  return Math.min(max, initial * factor ** exp);
}

/**
 * "Full jitter" (AWS architecture blog): a uniform draw in [0, cap), so
 * sidecars that lost the controller together do not reconnect together.
 * `random` returns [0, 1).
 */
export function backoffDelayMs(attempt: number, random: () => number, o: BackoffOptions = {}): number {
  return Math.floor(random() * backoffCeilingMs(attempt, o));
}
