import { readCapture, SkipReport } from '../common/index.js';
import type { RequestModel, RequestModelV1 } from '../profiler/index.js';
import { queryRange, rateSeries, upgradeModel } from '../profiler/index.js';
import { toGrid, type Series } from './series.js';

/** Requests per step from a request model's rate series. */
export function seriesFromModel(m: RequestModel | RequestModelV1): Series {
  return rateSeries(upgradeModel(m).rate);
}

/** Requests per step from a capture file. */
export async function seriesFromCapture(file: string, stepMs: number): Promise<{ series: Series; skips: SkipReport }> {
  const skips = new SkipReport();
  const counts = new Map<number, number>();
  for await (const r of readCapture(file, skips)) {
    const b = Math.floor(r.ts / stepMs);
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  const keys = [...counts.keys()].sort((a, b) => a - b);
  if (keys.length === 0) return { series: { start: 0, stepMs, values: [] }, skips };
  const first = keys[0]!;
  const values = new Array<number>(keys[keys.length - 1]! - first + 1).fill(0);
  for (const [k, v] of counts) values[k - first] = v;
  return { series: { start: first * stepMs, stepMs, values }, skips };
}

/** One series from Prometheus (`sum(...)` queries), on a regular grid. */
export async function seriesFromPrometheus(url: string, query: string, sinceMs: number, stepMs: number, token?: string): Promise<Series> {
  const end = Math.floor(Date.now() / stepMs) * stepMs;
  const s = await queryRange({ url, query, startMs: end - sinceMs, endMs: end, stepMs, token });
  if (s.length !== 1) throw new Error(`the query returned ${s.length} series; wrap it in sum(...)`);
  return toGrid(s[0]!.points.map((p) => [p.ts, p.value] as [number, number]), stepMs);
}
