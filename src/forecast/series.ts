import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
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

/**
 * Epoch ms, or NaN. Numbers are read by magnitude: below 1e11 seconds,
 * below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds
 * (all of 1990–2200 falls in one band for each unit).
 */
function parseTs(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    return n < 1e11 ? n * 1000 : n < 1e14 ? n : n < 1e17 ? n / 1e3 : n / 1e6;
  }
  // "2015-02-26 21:42:53" is UTC in our data sets; ISO strings keep their zone.
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(t) ? t.replace(' ', 'T') + 'Z' : /^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : t;
  return Date.parse(iso);
}

/** Values above this are not rates of anything (1e12 req/s); they are corrupt input. */
const MAX_VALUE = 1e12;
/** Times outside 1990–2200 are not plausible for a rate series (a typo, a unit mix-up, an epoch-0 default). */
const MIN_TIME = Date.UTC(1990, 0, 1);
const MAX_TIME = Date.UTC(2200, 0, 1);
/** Above this share of unusable rows the reader says so loudly; above half it refuses. */
const WARN_SHARE = 0.05;

export interface ReadSeriesOptions {
  /**
   * What the CSV's values are: `req/s` (requests per second, as Prometheus
   * exports them; the default) or `per-step` (requests per step, converted to
   * req/s on load).
   */
  unit?: SeriesUnit;
}

interface Row { ts: number; value: number; line: number; text: string }

const TIME_NAMES = /^(timestamp|time|ts|date|datetime|date_time|epoch|_time|t|time_?stamp|period|interval|bucket|minute|hour|day)$/;
const VALUE_NAMES = /^(value|values|val|v|y|count|counts|requests|request_count|reqs|req|rate|rps|req\/s|req_per_s|qps|hits|total|sum|calls|throughput|load|traffic|volume|n)$/;

/** Splits one line on `sep`, honouring double quotes ("a,b" stays one field; "" is a quote). */
function splitLine(line: string, sep: string): string[] {
  if (!line.includes('"')) return line.split(sep).map((f) => f.trim());
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) { out.push(cur.trim()); cur = ''; }
    else cur += c;
  }
  out.push(cur.trim());
  return out;
}

/** Tab, then `;`, then `,`: the first one the header line holds. */
function separatorOf(line: string): string {
  return line.includes('\t') ? '\t' : line.includes(';') ? ';' : ',';
}

/** The CSV's text: gzip is recognised by its magic bytes (whatever the name), a UTF-8 BOM is dropped. */
function readText(file: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
    if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  } catch (cause) {
    throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  const text = buf.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

interface Columns { time: number; value: number; header: boolean; sep: string; decimalComma: boolean }

/**
 * Finds the time and value columns: by header name (case-insensitive,
 * quoted or not), else by position (time first) when the first line is data.
 */
function columnsOf(file: string, first: string, second: string | undefined): Columns {
  const sep = separatorOf(first);
  const fields = splitLine(first, sep);
  const isData = fields.length >= 2 && Number.isFinite(parseTs(fields[0]!)) && fields.slice(1).some((f) => f !== '' && Number.isFinite(Number(f.replace(',', '.'))));
  const sample = splitLine(second ?? first, sep);
  if (isData) return { time: 0, value: 1, header: false, sep, decimalComma: sep === ';' && /^-?\d+,\d+$/.test(sample[1] ?? '') };
  const names = fields.map((f) => f.toLowerCase().replace(/\s+/g, '_'));
  let time = names.findIndex((n) => TIME_NAMES.test(n));
  let value = names.findIndex((n, i) => i !== time && VALUE_NAMES.test(n));
  if (names.length === 2 && time < 0 && value >= 0) time = 1 - value;
  if (names.length === 2 && value < 0 && time >= 0) value = 1 - time;
  if (time < 0 || value < 0) {
    throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file}: no ${time < 0 ? 'time' : 'value'} column among the header's ${fields.map((f) => `"${f}"`).join(', ')} (separator ${sep === '\t' ? 'tab' : `"${sep}"`}); name the columns timestamp (or time, ts, date) and value (or count, requests, rate)`);
  }
  return { time, value, header: true, sep, decimalComma: sep === ';' && /^-?\d+,\d+$/.test(sample[value] ?? '') };
}

/**
 * Reads a time/value CSV (`,` `;` or tab separated, columns found by header
 * name, gzip by content); infers the step (the common gap, or a round step
 * for irregular times), puts the rows on the grid and interpolates gaps.
 * Rows that cannot be used are skipped and counted by reason with their line
 * numbers (`skips`): `bad_time` (not a time, outside 1990–2200, or a few
 * rows far from the rest), `bad_value` (not a number, or beyond 1e12),
 * `before_gap` (history older than a long gap: the newest stretch is the one
 * forecast from), `duplicate_time` (a second row with the very same time:
 * the first is kept). Negative values are clamped to 0 and counted as
 * `negative` (a rate is never below 0; skipping them and interpolating would
 * bias the series upward); when most values are negative the file is not a
 * rate and is refused. Rows at different times within one step are
 * aggregated: summed for `per-step` counts, averaged for `req/s`. More than
 * 5% unusable rows is a warning (`skips.warnings`); more than half is
 * refused. Memory is bounded by the rows, never by the time span.
 */
export function readSeriesCsv(file: string, opts: ReadSeriesOptions = {}): { series: Series; skipped: number; skips: SkipReport } {
  const text = readText(file);
  const skips = new SkipReport();
  const rows: Row[] = [];
  const lines = text.split(/\r?\n/);
  const firstAt = lines.findIndex((l) => l.trim() !== '');
  if (firstAt < 0) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file} is empty; a series needs a "timestamp,value" header and at least 3 rows`);
  const cols = columnsOf(file, lines[firstAt]!, lines.slice(firstAt + 1).find((l) => l.trim() !== ''));
  let dataRows = 0;
  let unusable = 0;
  for (let i = cols.header ? firstAt + 1 : firstAt; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    dataRows++;
    const fields = splitLine(line, cols.sep);
    const ts = parseTs(fields[cols.time] ?? '');
    if (!(ts >= MIN_TIME && ts < MAX_TIME)) { skips.skip(i + 1, 'bad_time', line); unusable++; continue; }
    const b = fields[cols.value];
    const v = b === undefined || b === '' ? NaN : Number(cols.decimalComma ? b.replace(',', '.') : b);
    if (!Number.isFinite(v) || Math.abs(v) > MAX_VALUE) { skips.skip(i + 1, 'bad_value', line); unusable++; continue; }
    if (v < 0) skips.skip(i + 1, 'negative', line);
    rows.push({ ts, value: Math.max(0, v), line: i + 1, text: line });
  }
  if (unusable > dataRows / 2) {
    throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file}: ${unusable} of ${dataRows} rows are unusable (${describeSkips(skips)}); a forecast from the rest would be mostly interpolation: fix the ${cols.header ? 'time and value columns' : '"timestamp,value" rows'}`);
  }
  if (unusable > dataRows * WARN_SHARE) skips.warn(`${unusable} of ${dataRows} rows (${Math.round((100 * unusable) / dataRows)}%) are unusable and were skipped; the gaps they leave are interpolated`);
  const negatives = skips.byReason.negative ?? 0;
  if (negatives > dataRows / 2) {
    throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file}: ${negatives} of ${dataRows} values are negative: this is not a request rate (a difference of counters, or the wrong column?); give requests per second or per step, e.g. Prometheus rate()`);
  }
  if (negatives) skips.warn(`${negatives} negative value(s) clamped to 0 (a rate is never negative: check the source, e.g. a counter reset)`);
  rows.sort((x, y) => x.ts - y.ts || x.line - y.line);
  const step = inferStep(rows);
  const kept = keepNewestSpan(rows, step.ms, skips);
  if (kept.length < 3) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file} has ${kept.length} usable rows${skips.total ? ` (${describeSkips(skips)})` : ''}; a series needs a "timestamp,value" header and at least 3 rows`);
  const series = gridRows(kept, step, skips, opts.unit === 'per-step' ? 'sum' : 'mean');
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

const ROUND_STEPS = [1, 5, 10, 15, 30, 60, 300, 600, 900, 1800, 3600, 86_400].map((s) => s * 1000);

/** Steps round to: the nearest of 1s…1d by ratio. */
export function roundStep(ms: number): number {
  return ROUND_STEPS.reduce((best, s) => (Math.abs(Math.log(s / ms)) < Math.abs(Math.log(best / ms)) ? s : best));
}

/**
 * The step: the most common gap when at least half the gaps are exactly it
 * (a regular series, whatever its step); else the median gap snapped to a
 * round step (irregular times: the rows are then bucketed, not dropped).
 */
function inferStep(rows: readonly Row[]): { ms: number; regular: boolean } {
  const counts = new Map<number, number>();
  let total = 0;
  for (let i = 1; i < rows.length; i++) {
    const g = rows[i]!.ts - rows[i - 1]!.ts;
    if (g > 0) { counts.set(g, (counts.get(g) ?? 0) + 1); total++; }
  }
  let mode = 0;
  let modeCount = 0;
  for (const [g, c] of counts) if (c > modeCount || (c === modeCount && g < mode)) { mode = g; modeCount = c; }
  if (total === 0) return { ms: 60_000, regular: true };
  if (modeCount * 2 >= total) return { ms: mode, regular: true };
  return { ms: roundStep(medianGap(rows)!), regular: false };
}

/**
 * Splits the (sorted) rows at gaps of more than max(1000, rows) steps and
 * keeps the NEWEST stretch: a forecast continues from the latest data. A
 * stretch of fewer than max(3, min(12, 1% of the rows)) rows is a typo (a
 * row a year away from a month of 5-minute data), skipped as `bad_time`;
 * real stretches older than the kept one are skipped as `before_gap`, with a
 * warning. Memory stays bounded by the rows, not the time span.
 */
function keepNewestSpan(rows: Row[], step: number, skips: SkipReport): Row[] {
  if (rows.length < 2) return rows;
  const maxGap = step * Math.max(1000, rows.length);
  const runs: Array<[number, number]> = [];
  let from = 0;
  for (let i = 1; i <= rows.length; i++) {
    if (i === rows.length || rows[i]!.ts - rows[i - 1]!.ts > maxGap) { runs.push([from, i]); from = i; }
  }
  if (runs.length === 1) return rows;
  const typo = Math.max(3, Math.min(12, Math.floor(rows.length / 100)));
  const real = runs.filter(([a, b]) => b - a >= typo);
  const keep = real.length ? real[real.length - 1]! : runs.reduce((x, y) => (y[1] - y[0] > x[1] - x[0] ? y : x));
  const dropped: Array<{ r: Row; reason: string }> = [];
  for (const run of runs) {
    if (run === keep) continue;
    const reason = run[1] - run[0] >= typo && run[1] <= keep[0] ? 'before_gap' : 'bad_time';
    for (let i = run[0]; i < run[1]; i++) dropped.push({ r: rows[i]!, reason });
  }
  dropped.sort((x, y) => x.r.line - y.r.line);
  for (const d of dropped) skips.skip(d.r.line, d.reason, d.r.text);
  const older = dropped.filter((d) => d.reason === 'before_gap').length;
  if (older) {
    const gapEnd = rows[keep[0]]!.ts;
    const gapStart = rows[keep[0] - 1]!.ts;
    skips.warn(`the newest ${keep[1] - keep[0]} rows (from ${iso(gapEnd)}) follow a gap of ${humanMs(gapEnd - gapStart)}; the ${older} older rows before it are not used: the forecast continues from the newest stretch`);
  }
  return rows.slice(keep[0], keep[1]);
}

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
const humanMs = (ms: number): string => (ms >= 86_400_000 ? `${(ms / 86_400_000).toFixed(1)} days` : ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${Math.round(ms / 60_000)} min`);

function gridRows(rows: readonly Row[], step: { ms: number; regular: boolean }, skips: SkipReport, combine: 'sum' | 'mean'): Series {
  const ms = step.ms;
  // Regular rows sit on their own grid (rounded); irregular ones fall into round-step buckets.
  const start = step.regular ? rows[0]!.ts : Math.floor(rows[0]!.ts / ms) * ms;
  const cell = (ts: number): number => (step.regular ? Math.round((ts - start) / ms) : Math.floor((ts - start) / ms));
  const n = cell(rows[rows.length - 1]!.ts) + 1;
  if (n > 10 * rows.length + 10_000) {
    throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${rows.length} rows spread over ${n} steps of ${ms / 1000}s: the series is mostly gaps; give a regular series (one row per step)`);
  }
  const values = new Array<number>(n).fill(NaN);
  const rowsIn = new Array<number>(n).fill(0);
  let prev: Row | undefined;
  for (const r of rows) {
    // Rows are sorted by time, then line: a row with the very same time as the one before is a duplicate.
    if (prev && r.ts === prev.ts) { skips.skip(r.line, 'duplicate_time', r.text); continue; }
    prev = r;
    const i = cell(r.ts);
    values[i] = rowsIn[i] === 0 ? r.value : values[i]! + r.value;
    rowsIn[i]!++;
  }
  if (combine === 'mean') for (let i = 0; i < n; i++) if (rowsIn[i]! > 1) values[i] = values[i]! / rowsIn[i]!;
  warnLongGap(rowsIn, start, ms, skips);
  interpolate(values);
  return { start, stepMs: ms, values };
}

/** Says when the longest stretch without rows (bridged by a straight line) is over a day and over 5% of the series. */
function warnLongGap(rowsIn: readonly number[], start: number, ms: number, skips: SkipReport): void {
  let best = [0, 0];
  let from = -1;
  for (let i = 0; i <= rowsIn.length; i++) {
    if (i < rowsIn.length && rowsIn[i] === 0) { if (from < 0) from = i; continue; }
    if (from >= 0 && i - from > best[1]! - best[0]!) best = [from, i];
    from = -1;
  }
  const steps = best[1]! - best[0]!;
  if (steps * ms > 86_400_000 && steps > rowsIn.length / 20) {
    skips.warn(`no rows for ${humanMs(steps * ms)} from ${iso(start + best[0]! * ms)}: the gap is bridged by a straight line, which the models learn from (drop the rows before it to forecast from the newest stretch only)`);
  }
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
