import { readFileSync } from 'node:fs';
import { ShadowtwinError } from '../common/index.js';

/** An evenly spaced series. Missing points are filled by linear interpolation on load. */
export interface Series {
  start: number;
  stepMs: number;
  values: number[];
}

function parseTs(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    return n > 1e12 ? n : n * 1000;
  }
  // "2015-02-26 21:42:53" is UTC in our data sets; ISO strings keep their zone.
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(t) ? t.replace(' ', 'T') + 'Z' : t;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad timestamp "${text}"`);
  return ms;
}

/**
 * Reads `timestamp,value` CSV; infers the step (median gap), snaps points to
 * the grid and interpolates gaps. Bad rows are skipped and counted.
 */
export function readSeriesCsv(file: string): { series: Series; skipped: number } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  const rows: Array<[number, number]> = [];
  let skipped = 0;
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (!line.trim() || (i === 0 && /[a-z]/i.test(line.split(',')[1] ?? line))) continue;
    const [a, b] = line.split(',');
    try {
      const v = Number(b);
      if (!Number.isFinite(v)) throw new Error('bad value');
      rows.push([parseTs(a!), v]);
    } catch {
      skipped++;
    }
  }
  if (rows.length < 3) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file} has ${rows.length} usable rows; a series needs a "timestamp,value" header and at least 3 rows`);
  rows.sort((x, y) => x[0] - y[0]);
  return { series: toGrid(rows), skipped };
}

export function toGrid(rows: ReadonlyArray<[number, number]>, stepMs?: number): Series {
  const gaps = rows.slice(1).map((r, i) => r[0] - rows[i]![0]).filter((g) => g > 0).sort((a, b) => a - b);
  const step = stepMs ?? gaps[Math.floor(gaps.length / 2)] ?? 60_000;
  const start = rows[0]![0];
  const n = Math.round((rows[rows.length - 1]![0] - start) / step) + 1;
  const values = new Array<number>(n).fill(NaN);
  for (const [t, v] of rows) {
    const i = Math.round((t - start) / step);
    values[i] = Number.isNaN(values[i]!) ? v : values[i]! + v;
  }
  // Linear interpolation over gaps (edges take the nearest value).
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(values[i]!)) continue;
    if (last >= 0 && i - last > 1) for (let j = last + 1; j < i; j++) values[j] = values[last]! + ((values[i]! - values[last]!) * (j - last)) / (i - last);
    else if (last < 0) for (let j = 0; j < i; j++) values[j] = values[i]!;
    last = i;
  }
  for (let j = last + 1; j < n; j++) values[j] = values[last]!;
  return { start, stepMs: step, values };
}
