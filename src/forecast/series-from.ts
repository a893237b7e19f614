import { readCapture, SkipReport } from '../common/index.js';
import type { RequestModel, RequestModelV1 } from '../profiler/index.js';
import { queryRange, rateSeries, upgradeModel } from '../profiler/index.js';
import { toGrid, type Series } from './series.js';

const when = (ms: number): string => (Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : `${ms} ms`);

/** Requests per step → requests per second. */
function perSecond(counts: readonly number[], stepMs: number): number[] {
  const k = 1000 / stepMs;
  return counts.map((c) => c * k);
}

/** Requests per second from a request model's rate series (its counts per step divided by the step). */
export function seriesFromModel(m: RequestModel | RequestModelV1): Series {
  const s = rateSeries(upgradeModel(m).rate);
  return { start: s.start, stepMs: s.stepMs, values: perSecond(s.values, s.stepMs), unit: 'req/s' };
}

/** Requests per second (counted per step, divided by the step) from a capture file. */
export async function seriesFromCapture(file: string, stepMs: number): Promise<{ series: Series; skips: SkipReport }> {
  const skips = new SkipReport();
  const counts = new Map<number, number>();
  for await (const r of readCapture(file, skips)) {
    const b = Math.floor(r.ts / stepMs);
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  let keys = [...counts.keys()].sort((a, b) => a - b);
  if (keys.length === 0) return { series: { start: 0, stepMs, values: [], unit: 'req/s' }, skips };
  // Memory follows the records, not the time span: a record a year away from the rest (a bad clock)
  // would otherwise make the series a year long. Keep the largest run without a gap of more than
  // max(1000, buckets) steps; count the records outside it.
  const maxGap = Math.max(1000, keys.length);
  let best: [number, number] = [0, 0];
  let from = 0;
  for (let i = 1; i <= keys.length; i++) {
    if (i === keys.length || keys[i]! - keys[i - 1]! > maxGap) {
      if (i - from > best[1] - best[0]) best = [from, i];
      from = i;
    }
  }
  for (const k of [...keys.slice(0, best[0]), ...keys.slice(best[1])]) for (let c = 0; c < counts.get(k)!; c++) skips.skip(0, 'bad_time', `a record at ${when(k * stepMs)}, far from the rest of the capture`);
  keys = keys.slice(best[0], best[1]);
  const first = keys[0]!;
  const values = new Array<number>(keys[keys.length - 1]! - first + 1).fill(0);
  for (const k of keys) values[k - first] = counts.get(k)!;
  return { series: { start: first * stepMs, stepMs, values: perSecond(values, stepMs), unit: 'req/s' }, skips };
}

/** One series from Prometheus (`sum(rate(...))` queries: requests per second), on a regular grid. */
export async function seriesFromPrometheus(url: string, query: string, sinceMs: number, stepMs: number, token?: string): Promise<Series> {
  const end = Math.floor(Date.now() / stepMs) * stepMs;
  const s = await queryRange({ url, query, startMs: end - sinceMs, endMs: end, stepMs, token });
  if (s.length !== 1) throw new Error(`the query returned ${s.length} series; wrap it in sum(...)`);
  return { ...toGrid(s[0]!.points.map((p) => [p.ts, p.value] as [number, number]), stepMs), unit: 'req/s' };
}
