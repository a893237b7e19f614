import type { Logger } from '../common/index.js';

/**
 * Runs until SIGTERM or SIGINT, then `stop()` (a graceful drain); a second
 * signal before it finishes exits 130 at once. Resolves when stopped.
 */
export function untilStopSignal(log: Logger, what: string, stop: () => Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (stopping) {
        log.warn({ signal: sig }, `second signal: exiting without finishing ${what}`);
        process.exit(130);
      }
      stopping = true;
      log.info({ signal: sig }, `stopping (${what})`);
      void stop().then(() => resolve());
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
