import { ShadowtwinError } from '../../common/errors.js';

export interface PromSeries {
  labels: Record<string, string>;
  points: Array<{ ts: number; value: number }>;
}

export interface QueryRangeOptions {
  /** Prometheus base URL, e.g. http://127.0.0.1:9090 */
  url: string;
  query: string;
  startMs: number;
  endMs: number;
  stepMs: number;
  /** Optional bearer token (never logged). */
  token?: string;
  timeoutMs?: number;
}

/** Prometheus caps a query at 11,000 points per series; longer ranges are split. */
const MAX_POINTS = 10_000;

/**
 * Reads a request-rate history from Prometheus (`/api/v1/query_range`), in
 * chunks when the range is long, for the forecaster and the profiler. Errors
 * name the URL and what Prometheus said; NaN samples are dropped.
 */
export async function queryRange(opts: QueryRangeOptions): Promise<PromSeries[]> {
  const series = new Map<string, PromSeries>();
  const span = MAX_POINTS * opts.stepMs;
  for (let from = opts.startMs; from <= opts.endMs; from += span) {
    const to = Math.min(opts.endMs, from + span - opts.stepMs);
    const u = new URL('/api/v1/query_range', opts.url);
    u.searchParams.set('query', opts.query);
    u.searchParams.set('start', String(from / 1000));
    u.searchParams.set('end', String(to / 1000));
    u.searchParams.set('step', `${opts.stepMs / 1000}s`);
    let body: { status?: string; error?: string; errorType?: string; data?: { resultType: string; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } };
    try {
      // undici is imported here, not at the top: `profile build` never queries Prometheus and should not pay its load time.
      const { request } = await import('undici');
      const res = await request(u, { headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {}, headersTimeout: opts.timeoutMs ?? 30_000, bodyTimeout: opts.timeoutMs ?? 30_000 });
      body = (await res.body.json()) as typeof body;
      if (res.statusCode >= 400 && body?.status !== 'error') throw new Error(`HTTP ${res.statusCode}`);
    } catch (cause) {
      throw new ShadowtwinError('ST_ERR_SOURCE_UNREACHABLE', `cannot query Prometheus at ${opts.url}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}; check --prometheus`, { cause });
    }
    if (body.status !== 'success' || !body.data) {
      throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `Prometheus rejected the query ${JSON.stringify(opts.query)}: ${body.errorType ?? 'error'}: ${body.error ?? 'unknown'}`);
    }
    if (body.data.resultType !== 'matrix') throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `Prometheus returned ${body.data.resultType}, not a range vector; use a query that yields series (e.g. sum(rate(...[5m])))`);
    for (const r of body.data.result) {
      const key = JSON.stringify(r.metric);
      const s = series.get(key) ?? { labels: r.metric, points: [] };
      for (const [ts, v] of r.values) {
        const value = Number(v);
        if (Number.isFinite(value)) s.points.push({ ts: Math.round(ts * 1000), value });
      }
      series.set(key, s);
    }
  }
  return [...series.values()];
}
