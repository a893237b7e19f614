import { z } from 'zod';
import { readJsonFile } from '../read-json-file.js';
import { readDocument, type Contract } from './contract.js';

export const FORECAST_KIND = 'shadowtwin.forecast';
export const FORECAST_VERSION = 1;

/** One forecast step: `ts` epoch ms; `lower`/`upper` at the first level; every level under `intervals` ("0.8" → bounds). */
export interface ForecastPoint { ts: number; point: number; lower: number; upper: number; intervals: Record<string, { lower: number; upper: number }> }

/** A calendar cycle the season detection tested, with its evidence (autocorrelation at the cycle and at half of it). */
export interface SeasonCandidate { name: string; steps: number; acf: number; acfHalf: number; present: boolean }

/**
 * What the values mean: `req/s`, requests per second (what `shadowtwin
 * forecast` always writes: every input is converted), or `per-step` (a
 * library caller's series without a unit, as it held them).
 */
export type ForecastUnit = 'req/s' | 'per-step';

/** A backtest figure; null when it is undefined (e.g. a scaled error on a flat history). */
export type Metric = number | null;

/**
 * What `shadowtwin forecast --json` writes: the forecast of the request rate
 * (`unit`, one point per `stepMs`) with calibrated intervals, the model the
 * backtest chose and its evidence. Consumers (the scaler, scripts) read
 * `points` and `unit`; the rest explains the choice.
 */
export interface ForecastDocument {
  kind: typeof FORECAST_KIND;
  version: typeof FORECAST_VERSION;
  unit: ForecastUnit;
  stepMs: number;
  points: ForecastPoint[];
  model: string;
  /** The reference the backtest's relMAE is against. */
  baseline: string;
  backtest: {
    mase: Metric; smape: Metric; relMae: Metric; coverage: Record<string, Metric>; folds: number; horizon: number;
    models: Array<{ model: string; mae: Metric; mase: Metric; smape: Metric; relMae: Metric; beatsBaseline: boolean; fitMs: number }>;
  };
  season: { period: number; week?: number; source: 'given' | 'detected' | 'supported' | 'none'; candidates: Array<Omit<SeasonCandidate, 'acf' | 'acfHalf'> & { acf: Metric; acfHalf: Metric }> };
  /** Rows of the input that were skipped, with reasons (only when some were). */
  skipped?: { total: number; byReason: Record<string, number>; examples: Array<{ line: number; reason: string; text: string }> };
  warnings?: string[];
  note?: string;
  /** With anomaly cleaning: the stretches of history replaced (epoch ms, end exclusive). */
  anomalies?: { replaced: number; ranges: Array<{ start: number; end: number }> };
}

const nonneg = z.number().nonnegative();
const int = z.number().int().nonnegative();
const metric = z.number().nullable();
const bounds = z.object({ lower: z.number(), upper: z.number() });

export const forecastSchema = z.looseObject({
  kind: z.literal(FORECAST_KIND),
  version: z.literal(FORECAST_VERSION),
  unit: z.enum(['req/s', 'per-step']),
  stepMs: z.number().int().positive(),
  points: z.array(z.looseObject({ ts: z.number(), point: z.number(), lower: z.number(), upper: z.number(), intervals: z.record(z.string(), bounds) })),
  model: z.string().min(1),
  baseline: z.string(),
  backtest: z.looseObject({
    mase: metric, smape: metric, relMae: metric, coverage: z.record(z.string(), metric), folds: int, horizon: int,
    models: z.array(z.looseObject({ model: z.string(), mae: metric, mase: metric, smape: metric, relMae: metric, beatsBaseline: z.boolean(), fitMs: nonneg })),
  }),
  season: z.looseObject({
    period: int, week: int.optional(), source: z.enum(['given', 'detected', 'supported', 'none']),
    candidates: z.array(z.looseObject({ name: z.string(), steps: int, acf: metric, acfHalf: metric, present: z.boolean() })),
  }),
  skipped: z.looseObject({ total: int, byReason: z.record(z.string(), int), examples: z.array(z.looseObject({ line: int, reason: z.string(), text: z.string() })) }).optional(),
  warnings: z.array(z.string()).optional(),
  note: z.string().optional(),
  anomalies: z.looseObject({ replaced: int, ranges: z.array(z.object({ start: z.number(), end: z.number() })) }).optional(),
}).refine((d) => d.points.every((p, i) => i === 0 || p.ts > d.points[i - 1]!.ts), { message: 'points must be in time order', path: ['points'] });

export const FORECAST_CONTRACT: Contract<ForecastDocument> = {
  kind: FORECAST_KIND,
  version: FORECAST_VERSION,
  reads: [FORECAST_VERSION],
  describe: 'a shadowtwin forecast (shadowtwin forecast --json)',
  schema: forecastSchema as unknown as z.ZodType<ForecastDocument>,
};

/** A forecast read from `file` (what `shadowtwin forecast --json` wrote), or the ShadowtwinError saying what is wrong. */
export function readForecast(file: string): ForecastDocument {
  return readDocument(FORECAST_CONTRACT, readJsonFile(file, 'a forecast written by shadowtwin forecast --json'), file);
}
