import { readFileSync } from 'node:fs';
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
  if (file.endsWith('.csv')) {
    const { series, skips } = readSeriesCsv(file, { unit: o.csvUnit });
    return { series, skips };
  }
  let head: string;
  try {
    head = readFileSync(file, 'utf8').slice(0, 200);
  } catch (cause) {
    throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  if (head.includes('"shadowtwin.request-model"')) {
    return { series: seriesFromModel(readRequestModel(file)) };
  }
  return seriesFromCapture(file, o.stepMs ?? 300_000);
}
