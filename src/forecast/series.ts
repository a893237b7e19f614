import { readFileSync } from 'node:fs';
import { ShadowtwinError, SkipReport } from '../common/index.js';

/**
 * What a series' values mean: `req/s` (requests per second: Prometheus
 * `rate()`, and model or capture counts once divided by the step) or
 * `per-step` (as the input held them, e.g. counts per step).
 */
export type SeriesUnit = 'req/s' | 'per-step';

/** An evenly spaced series. Missing points are filled by linear interpolation on load. */
export interface Series {
  start: number;
  stepMs: number;
  values: number[];
  /** Default `per-step` (the values as given). */
  unit?: SeriesUnit;
}

/** Epoch ms, or NaN. Numbers above 1e12 are milliseconds, others seconds. */
function parseTs(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    return n > 1e12 ? n : n * 1000;
  }
  // "2015-02-26 21:42:53" is UTC in our data sets; ISO strings keep their zone.
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(t) ? t.replace(' ', 'T') + 'Z' : t;
  return Date.parse(iso);
}

/** Values above this are not rates of anything (1e12 req/s); they are corrupt input. */
const MAX_VALUE = 1e12;
/** Times outside 1990–2200 are not plausible for a rate series (a typo, a unit mix-up, an epoch-0 default). */
const MIN_TIME = Date.UTC(1990, 0, 1);
const MAX_TIME = Date.UTC(2200, 0, 1);

export interface ReadSeriesOptions {
  /**
   * What the CSV's values are: `req/s` (requests per second, as Prometheus
   * exports them; the default) or `per-step` (requests per step, converted to
   * req/s on load).
   */
  unit?: SeriesUnit;
}

interface Row { ts: number; value: number; line: number; text: string }

/**
 * Reads `timestamp,value` CSV; infers the step (median gap), snaps points to
 * the grid and interpolates gaps. Rows that cannot be used are skipped and
 * counted by reason with their line numbers (`skips`): `bad_time` (not a
 * time, outside 1990–2200, or far from the rest of the series),
 * `bad_value` (not a number, or beyond 1e12), `negative`, `duplicate_time`
 * (a second row for the same step: the first is kept). Memory is bounded by
 * the rows, never by the time span.
 */
export function readSeriesCsv(file: string, opts: ReadSeriesOptions = {}): { series: Series; skipped: number; skips: SkipReport } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  const skips = new SkipReport();
  const rows: Row[] = [];
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (!line.trim() || (i === 0 && /[a-z]/i.test(line.split(',')[1] ?? line))) continue;
    const [a, b] = line.split(',');
    const ts = parseTs(a ?? '');
    if (!(ts >= MIN_TIME && ts < MAX_TIME)) { skips.skip(i + 1, 'bad_time', line); continue; }
    const v = b === undefined || b.trim() === '' ? NaN : Number(b);
    if (!Number.isFinite(v) || Math.abs(v) > MAX_VALUE) { skips.skip(i + 1, 'bad_value', line); continue; }
    if (v < 0) { skips.skip(i + 1, 'negative', line); continue; }
    rows.push({ ts, value: v, line: i + 1, text: line });
  }
  const kept = keepDenseSpan(rows, skips);
  if (kept.length < 3) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file} has ${kept.length} usable rows${skips.total ? ` (${describeSkips(skips)})` : ''}; a series needs a "timestamp,value" header and at least 3 rows`);
  const series = gridRows(kept, skips);
  if (opts.unit === 'per-step') {
    const perSecond = 1000 / series.stepMs;
    series.values = series.values.map((v) => v * perSecond);
  }
  series.unit = 'req/s';
  return { series, skipped: skips.total, skips };
}

/** "2 bad_time (lines 5, 9), 1 duplicate_time (line 12)" */
export function describeSkips(skips: SkipReport): string {
  return Object.entries(skips.byReason).map(([reason, count]) => {
    const lines = skips.examples.filter((e) => e.reason === reason && e.line > 0).map((e) => e.line).sort((a, b) => a - b);
    return `${count} ${reason}${lines.length ? ` (line${lines.length > 1 ? 's' : ''} ${lines.join(', ')}${count > lines.length ? ', …' : ''})` : ''}`;
  }).join(', ');
}

function medianGap(rows: readonly Row[]): number | undefined {
  const gaps = rows.slice(1).map((r, i) => r.ts - rows[i]!.ts).filter((g) => g > 0).sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)];
}

/**
 * Sorts the rows and keeps the largest run whose gaps stay under
 * max(1000, rows) steps: a row a year away from a month of 5-minute data is
 * a typo, and would otherwise make the grid (and memory) as long as the year.
 */
function keepDenseSpan(rows: Row[], skips: SkipReport): Row[] {
  rows.sort((x, y) => x.ts - y.ts || x.line - y.line);
  const step = medianGap(rows);
  if (step === undefined) return rows;
  const maxGap = step * Math.max(1000, rows.length);
  let best: [number, number] = [0, 0];
  let from = 0;
  for (let i = 1; i <= rows.length; i++) {
    if (i === rows.length || rows[i]!.ts - rows[i - 1]!.ts > maxGap) {
      if (i - from > best[1] - best[0]) best = [from, i];
      from = i;
    }
  }
  if (best[1] - best[0] === rows.length) return rows;
  const dropped = [...rows.slice(0, best[0]), ...rows.slice(best[1])].sort((x, y) => x.line - y.line);
  for (const r of dropped) skips.skip(r.line, 'bad_time', r.text);
  return rows.slice(best[0], best[1]);
}

function gridRows(rows: readonly Row[], skips: SkipReport): Series {
  const step = medianGap(rows) ?? 60_000;
  const start = rows[0]!.ts;
  const n = Math.round((rows[rows.length - 1]!.ts - start) / step) + 1;
  if (n > 10 * rows.length + 10_000) {
    throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${rows.length} rows spread over ${n} steps of ${step / 1000}s: the series is mostly gaps; give a regular series (one row per step)`);
  }
  const values = new Array<number>(n).fill(NaN);
  const firstLine = new Array<number>(n).fill(0);
  for (const r of rows) {
    const i = Math.round((r.ts - start) / step);
    if (Number.isNaN(values[i]!)) { values[i] = r.value; firstLine[i] = r.line; }
    else if (r.line < firstLine[i]!) { skips.skip(firstLine[i]!, 'duplicate_time', ''); values[i] = r.value; firstLine[i] = r.line; }
    else skips.skip(r.line, 'duplicate_time', r.text);
  }
  interpolate(values);
  return { start, stepMs: step, values };
}

/** Linear interpolation over gaps (NaN); edges take the nearest value. */
function interpolate(values: number[]): void {
  const n = values.length;
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(values[i]!)) continue;
    if (last >= 0 && i - last > 1) for (let j = last + 1; j < i; j++) values[j] = values[last]! + ((values[i]! - values[last]!) * (j - last)) / (i - last);
    else if (last < 0) for (let j = 0; j < i; j++) values[j] = values[i]!;
    last = i;
  }
  for (let j = last + 1; j < n; j++) values[j] = values[last]!;
}

/**
 * Points on a regular grid (Prometheus results): the step is given or the
 * median gap; two points on one step keep the first.
 */
export function toGrid(points: ReadonlyArray<[number, number]>, stepMs?: number): Series {
  const rows = points.map(([ts, value], i) => ({ ts, value, line: i + 1, text: '' })).filter((r) => Number.isFinite(r.ts) && Number.isFinite(r.value));
  if (rows.length === 0) return { start: 0, stepMs: stepMs ?? 60_000, values: [] };
  rows.sort((x, y) => x.ts - y.ts);
  const step = stepMs ?? medianGap(rows) ?? 60_000;
  const start = rows[0]!.ts;
  const n = Math.round((rows[rows.length - 1]!.ts - start) / step) + 1;
  const values = new Array<number>(n).fill(NaN);
  for (const r of rows) {
    const i = Math.round((r.ts - start) / step);
    if (Number.isNaN(values[i]!)) values[i] = r.value;
  }
  interpolate(values);
  return { start, stepMs: step, values };
}
