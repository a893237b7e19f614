import { z } from 'zod';
import type { LatencySummaryMs } from '../histogram.js';
import type { EncodedRouteStats } from '../route-stats.js';
import { VERSION } from '../version.js';
import { readDocument, type Contract, type Refusal } from './contract.js';
import { fieldList, listed } from './field-list.js';

export const RUN_REPORT_KIND = 'shadowtwin.run-report';
/** The report version this build writes and reads. */
export const RUN_REPORT_VERSION = 1;

export interface RouteReport {
  route: string;
  method: string;
  requests: number;
  errors: number;
  status: Record<string, number>;
  latencyMs: LatencySummaryMs;
}

/** One second of a run (`t`: seconds since start). */
export interface TimelinePoint {
  /** Seconds since start. */
  t: number;
  intended: number;
  sent: number;
  completed: number;
  errors: number;
  dropped: number;
  p50: number;
  p99: number;
  /** The pacer's worst lateness in this second (ms): shows when and how far the generator itself fell behind. */
  lagMax: number;
}

export interface Threshold { expr: string; route?: string; method?: string }

export interface ThresholdResult extends Threshold { metric: string; actual: number; limit: number; pass: boolean }

/** The generator's JSON report (`shadowtwin generate --out`): the contract scripts rely on (docs/generator.md). */
export interface RunReport {
  kind: typeof RUN_REPORT_KIND;
  version: typeof RUN_REPORT_VERSION;
  summary: {
    requests: number;
    errors: number;
    dropped: number;
    intended: number;
    intendedRate: number;
    achievedRate: number;
    latencyMs: LatencySummaryMs;
    lagMs: LatencySummaryMs;
    outcomes: Record<string, number>;
    bytesSent: number;
    bytesReceived: number;
  };
  routes: RouteReport[];
  histograms: { unit: 'us'; total: string; lag: string; routes: EncodedRouteStats[] };
  faults: Record<string, { injected: number; outcomes: Record<string, number> }>;
  timeline: TimelinePoint[];
  thresholds: ThresholdResult[];
  pass: boolean;
  meta: {
    tool: string;
    version: string;
    target: string;
    executor: string;
    source: string;
    scenario?: string;
    seed: number;
    start: string;
    durationMs: number;
    segment?: { index: number; count: number };
    segments?: number;
    /** Random per `generate` process: the same report given twice to `report merge` is refused. */
    runId?: string;
    /** A merged report: the runIds it was merged from (so merging it with one of its parts is refused too). */
    runIds?: string[];
    /** Hash of the scenario as run (target, load, source, seed, …; not the segment): segments of one run share it, other runs do not. */
    scenarioId?: string;
    /** Present when the run was stopped before its end (Ctrl-C, SIGTERM, `run.stop()`): the report covers `durationMs` only. */
    interrupted?: true;
  };
}

/**
 * What every reader (merge, compare) relies on. Objects are loose: fields a
 * newer minor revision adds pass through; fields older reports lack stay
 * optional here.
 */
const ROW = '(route, method, requests, errors, histogram)';
export const runReportSchema = z.looseObject({
  kind: z.literal(RUN_REPORT_KIND),
  version: z.literal(RUN_REPORT_VERSION),
  summary: z.looseObject({
    requests: z.number().int().nonnegative(), errors: z.number().int().nonnegative(), dropped: z.number().int().nonnegative(), intended: z.number().int().nonnegative(),
    outcomes: z.record(z.string(), z.number().int().nonnegative()),
    bytesSent: z.number().nonnegative(), bytesReceived: z.number().nonnegative(),
  }),
  histograms: z.looseObject({
    lag: z.string(),
    routes: z.array(z.looseObject({ route: z.string(), method: z.string(), requests: z.number().int().nonnegative(), errors: z.number().int().nonnegative(), histogram: z.string() })),
  }),
  meta: z.looseObject({ durationMs: z.number().nonnegative() }),
  faults: z.record(z.string(), z.unknown()),
  timeline: z.array(z.unknown()),
  thresholds: z.array(z.unknown()),
});

function refusal(why: Refusal, file: string): string {
  switch (why.kind) {
    case 'not-an-object': return `${file}: is not a JSON object; expected a run report (shadowtwin generate --out)`;
    case 'other-kind': return `${file}: is not a run report (kind is ${JSON.stringify(why.found)}, expected "${RUN_REPORT_KIND}")`;
    case 'version': return `${file}: is a run report of version ${JSON.stringify(why.found)}; this shadowtwin (${VERSION}) reads version ${RUN_REPORT_VERSION} only`
      + (why.newer ? ': it was written by a newer shadowtwin; upgrade this one' : '');
    case 'shape': return `${file}: run report is missing or has malformed ${listed(fieldList(why.problems, { 'histograms.routes': ROW }))}; was it written by shadowtwin generate --out and copied whole?`;
  }
}

export const RUN_REPORT_CONTRACT: Contract<RunReport> = {
  kind: RUN_REPORT_KIND,
  version: RUN_REPORT_VERSION,
  reads: [RUN_REPORT_VERSION],
  describe: 'a run report (shadowtwin generate --out)',
  schema: runReportSchema as unknown as z.ZodType<RunReport>,
  refusal,
};

/**
 * Checks that a parsed JSON document is a run report this build can read
 * (kind, version, and every part merge and compare rely on) and returns it;
 * otherwise ST_ERR_INPUT_FORMAT naming the file and what is missing
 * (ST_ERR_CONTRACT_VERSION for a version it does not read).
 */
export function checkRunReport(doc: unknown, file: string): RunReport {
  return readDocument(RUN_REPORT_CONTRACT, doc, file);
}
