import type { Writable } from 'node:stream';

const BATCH = 512;

/**
 * Writes one JSON line per item to `out` in batches, waiting for the stream
 * to drain (bounded memory, not one string of everything), and stops
 * quietly when the reader goes away (EPIPE: `… | head -1`). Resolves to the
 * number of lines written, or false when the reader closed the pipe.
 */
export async function writeNdjson<T>(out: Writable, items: Iterable<T>): Promise<number | false> {
  let closed = false;
  let wake: (() => void) | undefined;
  const onError = (err: NodeJS.ErrnoException): void => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    closed = true;
    wake?.();
  };
  out.on('error', onError);
  let n = 0;
  let text = '';
  let inBatch = 0;
  const flush = async (): Promise<void> => {
    const ok = out.write(text);
    text = '';
    inBatch = 0;
    if (!ok && !closed) await new Promise<void>((resolve) => { wake = resolve; out.once('drain', resolve); });
    wake = undefined;
  };
  try {
    for (const item of items) {
      if (closed) break;
      text += JSON.stringify(item) + '\n';
      n++;
      if (++inBatch >= BATCH) await flush();
    }
    if (!closed && text) await flush();
  } finally {
    // Keep swallowing a late EPIPE from the last write.
    if (!closed) out.off('error', onError);
  }
  return closed ? false : n;
}
