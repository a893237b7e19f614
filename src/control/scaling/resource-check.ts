import { queryRange } from '../../profiler/index.js';
import type { ScalingTargetConfig } from './scaling-config.js';

type Validation = ScalingTargetConfig['validation'];

/** The highest value of a query's series over [start, end] (undefined when Prometheus has no sample in it). */
async function peak(url: string, query: string, start: number, end: number, token?: string): Promise<number | undefined> {
  const stepMs = Math.max(1_000, Math.ceil((end - start) / 100 / 1_000) * 1_000);
  const series = await queryRange({ url, query, startMs: Math.floor(start / 1_000) * 1_000, endMs: Math.ceil(end / 1_000) * 1_000, stepMs, token, timeoutMs: 10_000 });
  let max: number | undefined;
  for (const s of series) for (const p of s.points) max = max === undefined ? p.value : Math.max(max, p.value);
  return max;
}

/**
 * The secondary's CPU and memory during a validation run, from Prometheus
 * (`validation.prometheus`: one PromQL query each, read over the run's time
 * range), against `maxCpu` / `maxMemory`: the failures, e.g.
 * `cpu 1.4 > 1` (empty: passed or nothing configured). No sample in the
 * range is a failure too (the check was asked for and could not be made);
 * Prometheus unreachable throws ST_ERR_SOURCE_UNREACHABLE.
 */
export async function resourceFailures(v: Validation, range: { start: number; end: number }): Promise<string[]> {
  const p = v.prometheus;
  if (!p) return [];
  const out: string[] = [];
  const checks: Array<{ what: string; query: string | undefined; max: number | undefined }> = [
    { what: 'cpu', query: p.cpu, max: v.maxCpu },
    { what: 'memory', query: p.memory, max: v.maxMemory },
  ];
  for (const c of checks) {
    if (c.query === undefined || c.max === undefined) continue;
    const value = await peak(p.url, c.query, range.start, range.end, p.token);
    if (value === undefined) out.push(`${c.what}: no sample from Prometheus during the run (${c.query})`);
    else if (value > c.max) out.push(`${c.what} ${+value.toFixed(4)} > ${c.max}`);
  }
  return out;
}
