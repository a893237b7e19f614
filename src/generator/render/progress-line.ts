import type { LoadRunEmitter, Progress } from '../load-run-events.js';

/** One line of progress, for a terminal. */
export function progressLine(p: Progress): string {
  const pct = Math.min(100, (100 * p.elapsedMs) / p.durationMs).toFixed(0);
  return `${(p.elapsedMs / 1000).toFixed(0)}s/${(p.durationMs / 1000).toFixed(0)}s ${pct}%  rate ${p.achievedRate.toFixed(0)}/${p.intendedRate.toFixed(0)} req/s  p50 ${p.p50}ms p99 ${p.p99}ms  errors ${p.errors}  dropped ${p.dropped}  in-flight ${p.inFlight}${p.multiplier !== 1 ? `  ×${p.multiplier}` : ''}`;
}

/**
 * Progress once a second: on a terminal one line rewritten in place (ended
 * with a newline when the run is done), otherwise a JSON line
 * (`{"progress":{...}}`) per second. Returns how to detach.
 */
export function attachProgress(run: LoadRunEmitter, o: { write: (text: string) => void; tty: boolean }): () => void {
  const onProgress = (p: Progress): void => o.write(o.tty ? `\r\x1b[K${progressLine(p)}` : JSON.stringify({ progress: p }) + '\n');
  const onDone = (): void => { if (o.tty) o.write('\n'); };
  run.on('progress', onProgress);
  run.on('done', onDone);
  return () => { run.off('progress', onProgress); run.off('done', onDone); };
}
