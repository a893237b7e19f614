import { z } from 'zod';
import { ShadowtwinError } from '../errors.js';
import { RouteStatsTable, type EncodedRouteStats } from '../route-stats.js';
import type { Contract } from './contract.js';
import { encodedRouteStatsSchema } from './route-stats-schema.js';

export const WINDOW_KIND = 'shadowtwin.window';
export const WINDOW_VERSION = 1;

/** Who measured a window: a sidecar's primary side, the secondary side of its mirroring, or a generator run. */
export type WindowRole = 'primary' | 'secondary' | 'generator';

export interface WindowSource {
  service: string;
  pod: string;
  role: WindowRole;
  /** A generator run's id (role generator). */
  runId?: string;
}

/**
 * One source's summary of a time window [start, end) in epoch ms: per route
 * and method, counts, status classes, ST_* codes, byte sums and HDR latency.
 * Windows merge exactly (`mergeWindows`): counts add, histograms merge.
 */
export interface WindowDocument {
  kind: typeof WINDOW_KIND;
  version: typeof WINDOW_VERSION;
  source: WindowSource;
  start: number;
  end: number;
  routes: EncodedRouteStats[];
}

const name = z.string().min(1).max(253);
const epochMs = z.number().int().min(0).max(8.64e15);

export const windowSchema = z.object({
  kind: z.literal(WINDOW_KIND),
  version: z.literal(WINDOW_VERSION),
  source: z.object({ service: name, pod: name, role: z.enum(['primary', 'secondary', 'generator']), runId: name.optional() }),
  start: epochMs,
  end: epochMs,
  routes: z.array(encodedRouteStatsSchema).max(10_000),
}).refine((w) => w.end >= w.start, { message: 'end must not be before start', path: ['end'] });

export const WINDOW_CONTRACT: Contract<WindowDocument> = {
  kind: WINDOW_KIND,
  version: WINDOW_VERSION,
  reads: [1],
  describe: 'a shadowtwin window (one source\'s per-route summary of a time window)',
  schema: windowSchema as z.ZodType<WindowDocument>,
};

/** A window document from a route stats table (the table is only read). */
export function windowFromTable(source: WindowSource, start: number, end: number, table: RouteStatsTable): WindowDocument {
  return { kind: WINDOW_KIND, version: WINDOW_VERSION, source: { ...source }, start, end, routes: table.encode() };
}

/**
 * The routes of many windows (any sources) folded into one table: exact
 * (counts add, HDR merge). A bad HDR payload is ST_ERR_HISTOGRAM_DECODE
 * naming the route and the window's source.
 */
export function tableFromWindows(windows: readonly WindowDocument[], maxRoutes = 10_000): RouteStatsTable {
  const t = new RouteStatsTable(maxRoutes);
  for (const w of windows) {
    for (const r of w.routes) {
      try {
        t.get(r.route, r.method).add(r);
      } catch (cause) {
        if (!(cause instanceof ShadowtwinError)) throw cause;
        throw new ShadowtwinError(cause.code, `${r.method} ${r.route} of ${w.source.service}/${w.source.pod} (${w.source.role}): ${cause.message}`, { cause });
      }
    }
  }
  return t;
}

/**
 * Merges windows into one covering [min start, max end): across pods of a
 * service, agents of a run, or consecutive windows of one source. `source`
 * names the merged document (default: the first window's). A bad HDR payload
 * is ST_ERR_HISTOGRAM_DECODE naming the route.
 */
export function mergeWindows(windows: readonly WindowDocument[], source?: WindowSource): WindowDocument {
  if (windows.length === 0) throw new ShadowtwinError('ST_ERR_INPUT_EMPTY', 'no windows to merge');
  let start = Infinity;
  let end = -Infinity;
  for (const w of windows) { start = Math.min(start, w.start); end = Math.max(end, w.end); }
  let table: RouteStatsTable;
  try {
    table = tableFromWindows(windows);
  } catch (cause) {
    if (cause instanceof ShadowtwinError) throw new ShadowtwinError(cause.code, `merging windows: ${cause.message}`, { cause });
    throw cause;
  }
  return windowFromTable(source ?? windows[0]!.source, start, end, table);
}
