import { closeSync, openSync, readSync } from 'node:fs';
import { constants, gunzipSync } from 'node:zlib';
import { ShadowtwinError, type SkipReport } from '../common/index.js';
import { readRequestModel } from '../profiler/index.js';
import { readSeriesCsv, type Series, type SeriesUnit } from './series.js';
import { seriesFromCapture, seriesFromModel } from './series-from.js';

/**
 * A rate series from a file, in requests per second: a `timestamp,value`
 * CSV (`csvUnit` says what its values are), a request model (counts per
 * step, converted) or a capture (counted per `stepMs`, converted). Skipped
 * rows and records come back with their reasons.
 */
export async function seriesFromFile(file: string, o: { csvUnit?: SeriesUnit; stepMs?: number } = {}): Promise<{ series: Series; skips?: SkipReport }> {
  if (/\.(csv|tsv)(\.gz)?$/i.test(file)) {
    const { series, skips } = readSeriesCsv(file, { unit: o.csvUnit });
    return { series, skips };
  }
  let head: string;
  try {
    head = headOf(file);
  } catch (cause) {
    throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  if (head.includes('"shadowtwin.request-model"')) {
    return { series: seriesFromModel(readRequestModel(file)) };
  }
  if (looksLikeCsv(head)) {
    const { series, skips } = readSeriesCsv(file, { unit: o.csvUnit });
    return { series, skips };
  }
  return seriesFromCapture(file, o.stepMs ?? 300_000);
}

/** The first bytes of a file, decompressed when it is gzip (by its magic bytes, whatever its name). */
function headOf(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16_384);
    const n = readSync(fd, buf, 0, buf.length, 0);
    let head = buf.subarray(0, n);
    if (head[0] === 0x1f && head[1] === 0x8b) head = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
    return head.toString('utf8').slice(0, 2000);
  } finally {
    closeSync(fd);
  }
}

/** A time/value table rather than JSON or a log: its first line is a header or a row with a separator, and no line starts with `{`. */
function looksLikeCsv(head: string): boolean {
  const lines = head.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 3);
  if (lines.length === 0 || lines.some((l) => /^\s*[{[]/.test(l))) return false;
  return lines.every((l) => /^[^\s,;\t]+( [0-9:.]+)?\s*[,;\t]\s*"?[^,;\t]+("?\s*[,;\t][^,;\t]*)*$/.test(l)) && /^\s*"?[-0-9]/.test(lines[1] ?? lines[0]!);
}
