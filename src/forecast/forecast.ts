import { ShadowtwinError, type ForecastPoint } from '../common/index.js';
import { candidateModels } from './candidates.js';
import { calibrate } from './intervals.js';
import type { PointModel } from './models/baselines.js';
import { initEts } from './models/ets.js';
import { initMstl } from './models/mstl.js';
import { initProphet } from './models/prophet.js';
import { cleanOutliers } from './outliers.js';
import { planSeasons } from './season-plan.js';
import { detectSeason, type SeasonCandidate } from './seasonality.js';
import type { Series, SeriesUnit } from './series.js';

export interface ForecastEvent { name: string; start: number; end: number; multiplier: number }

export interface ForecastOptions {
  /** Steps ahead. */
  horizon: number;
  /** Interval levels, default [0.8, 0.95]. */
  levels?: number[];
  /**
   * Season length in steps. Default: every calendar cycle the history supports
   * competes (the day, and the week from two full weeks of history; the hour
   * when the day does not fit); with none, only non-seasonal models.
   */
  period?: number;
  /** Model names to consider (exactly those), or 'auto' (all statistical models, and their ensemble). */
  models?: 'auto' | string[];
  /** Backtest folds (rolling origins), default 4, or 7 when the weekly cycle competes (one per day of the week). */
  folds?: number;
  /** History used per fit, in steps (default four weeks, or 20,000 points with no daily cycle). */
  maxHistory?: number;
  events?: ForecastEvent[];
  /** Include the LSTM in 'auto' (slow: seconds per fit; it must still win the backtest). */
  lstm?: boolean;
  /**
   * Include Prophet in 'auto' (default false). On the shared series it lost to
   * seasonal naive (backtest relMAE 1.50 and 1.01), its optimiser gave up on
   * about one fit in ten, and it doubled the time of a forecast.
   */
  prophet?: boolean;
  /**
   * Anomaly-aware training: add variants of Holt-Winters, MSTL (and Prophet)
   * fitted on the history with outliers replaced (`cleanOutliers`); they
   * compete in the backtest like any model. Off by default: on the shared
   * series it made those models much better on AAPL (MSTL relMAE 1.20 →
   * 0.67) but did not change the chosen forecast there, and cost 0.005 on GOOG.
   */
  cleanAnomalies?: boolean;
}

export interface ModelScore { model: string; mae: number; mase: number; smape: number; relMae: number; beatsBaseline: boolean; fitMs: number }

/** Declared with the forecast document (src/common/contracts/forecast.ts). */
export type { ForecastPoint };

export interface ForecastResult {
  model: string;
  /** The reference the backtest's relMAE is against: seasonal naive on the primary season, or naive without one. */
  baseline: string;
  horizon: number;
  stepMs: number;
  /** What the values mean: `req/s` (requests per second) or `per-step` (whatever the input held, per step). */
  unit: SeriesUnit;
  points: ForecastPoint[];
  backtest: { folds: number; horizon: number; mase: number; smape: number; relMae: number; coverage: Record<string, number>; models: ModelScore[] };
  /**
   * The seasons used, in steps (`period` 0: none the history supports), where they came from
   * (`detected`: autocorrelation evidence; `supported`: tried because the history covers it), and the detection's evidence.
   */
  season: { period: number; week?: number; source: 'given' | 'detected' | 'supported' | 'none'; candidates: SeasonCandidate[] };
  /** With `cleanAnomalies`: the stretches of history the cleaned variants saw replaced (epoch ms, end exclusive). */
  anomalies?: { replaced: number; ranges: Array<{ start: number; end: number }> };
  note?: string;
}

export { candidateModels, cleaned, type CandidateOptions } from './candidates.js';

const mae = (a: readonly number[], b: readonly number[]): number => a.reduce((s, x, i) => s + Math.abs(x - b[i]!), 0) / a.length;
const smape = (a: readonly number[], f: readonly number[]): number => a.reduce((s, x, i) => s + (Math.abs(x) + Math.abs(f[i]!) === 0 ? 0 : (2 * Math.abs(x - f[i]!)) / (Math.abs(x) + Math.abs(f[i]!))), 0) / a.length;

function insampleMae(y: readonly number[], lag: number): number {
  let s = 0;
  let n = 0;
  for (let i = lag; i < y.length; i++) { s += Math.abs(y[i]! - y[i - lag]!); n++; }
  return n ? s / n : 1;
}

/** Fewest points a forecast needs (a backtest of `folds` folds of at least one step, each training on two points). */
export const MIN_HISTORY = 12;

/**
 * Forecasts with honest intervals. A rolling-origin backtest on the history
 * scores every candidate the history supports (MAE, MASE against in-sample
 * seasonal naive, sMAPE); an inverse-MAE ensemble of the best models competes
 * too; the best by backtest MAE is refitted on the full history. Intervals are
 * conformal (see `calibrate`). Short histories get non-seasonal models, and
 * a backtest horizon shorter than the forecast's.
 */
export async function forecastSeries(series: Series, opts: ForecastOptions): Promise<ForecastResult> {
  const h = opts.horizon;
  if (!(Number.isInteger(h) && h >= 1)) throw new ShadowtwinError('ST_ERR_USAGE', `horizon ${h}: give a whole number of steps ≥ 1`);
  const baseFolds = Math.max(1, opts.folds ?? 4);
  const levels = opts.levels ?? [0.8, 0.95];
  const dayMs = 86_400_000;
  const defaultMax = dayMs % series.stepMs === 0 && dayMs / series.stepMs >= 4 ? Math.round((28 * dayMs) / series.stepMs) : 20_000;
  const maxHistory = opts.maxHistory ?? Math.max(defaultMax, opts.period !== undefined ? 4 * opts.period : 0);
  const y = series.values.slice(-maxHistory);
  const n = y.length;
  if (n < MIN_HISTORY) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `the history has ${n} points; a forecast needs at least ${MIN_HISTORY}`);
  // The backtest horizon: the forecast's, unless the history is too short for `folds` of them.
  const hb = Math.min(h, Math.max(1, Math.floor(n / (baseFolds + 2))));
  // The origins are spread over the longest cycle that competes (the week: one per day of the week,
  // whatever the horizon; the day: at different times of day), so the backtest sees every part of the
  // cycle. Backtesting the last four days only let a weekday profile beat the weekly models.
  const layout = (folds: number, cycle: number): { folds: number; spacing: number; minTrain: number } => {
    const spacing = Math.max(hb, Math.floor(cycle / folds));
    return { folds, spacing, minTrain: n - hb - (folds - 1) * spacing };
  };
  let fl = layout(baseFolds, hb * baseFolds);
  let plan = planSeasons(n, fl.minTrain, series.stepMs, opts.period);
  if (plan.primary === undefined && opts.folds === undefined) {
    // No cycle (a short history): selection among the trend models rests on few points, so use as many
    // origins as leave half the history to train on (up to 8).
    const more = Math.min(8, Math.max(baseFolds, Math.floor(n / 2 / hb)));
    if (more > baseFolds) fl = layout(more, hb * more);
  }
  if (plan.primary !== undefined) {
    const weekly = plan.week !== undefined ? layout(opts.folds ?? 7, plan.week) : undefined;
    const wide = weekly && weekly.minTrain >= plan.week! ? weekly : layout(baseFolds, Math.max(plan.primary, hb * baseFolds));
    const widePlan = planSeasons(n, wide.minTrain, series.stepMs, opts.period);
    if (widePlan.primary === plan.primary) { fl = wide; plan = { ...widePlan, week: weekly && wide === weekly ? plan.week : widePlan.week }; }
  }
  const { folds, spacing } = fl;
  const detection = opts.period === undefined ? detectSeason(y, series.stepMs) : undefined;
  const primary = plan.primary;
  const season: ForecastResult['season'] = {
    period: primary ?? 0,
    ...(plan.week !== undefined ? { week: plan.week } : {}),
    source: primary === undefined ? 'none' : opts.period !== undefined ? 'given' : detection!.candidates.some((c) => c.steps === primary && c.present) ? 'detected' : 'supported',
    candidates: detection?.candidates ?? [],
  };
  const notes: string[] = [...plan.dropped.map((d) => `${d}; using the models it supports`)];
  await initMstl();
  await initEts();
  const explicit = opts.models && opts.models !== 'auto' ? new Set(opts.models) : undefined;
  const yStart = series.start + (series.values.length - n) * series.stepMs;
  const candidates = (all = false): PointModel[] => candidateModels({
    period: primary, periodName: plan.primaryName, week: plan.week, startMs: yStart, stepMs: series.stepMs, events: opts.events,
    lstm: all || opts.lstm === true || explicit?.has('lstm') === true,
    prophet: all || opts.prophet === true || (explicit !== undefined && [...explicit].some((m) => m.startsWith('prophet'))),
    cleanAnomalies: all || opts.cleanAnomalies === true || (explicit !== undefined && [...explicit].some((m) => m.endsWith('+clean'))),
  });
  const baselineName = primary !== undefined ? 'snaive' : 'naive';
  let models = candidates();
  const baselineModel = models.find((m) => m.name === baselineName)!;
  if (explicit) {
    const available = candidates(true).map((m) => m.name);
    const unknown = [...explicit].filter((w) => w !== 'ensemble' && !available.includes(w));
    if (unknown.length) {
      throw new ShadowtwinError('ST_ERR_USAGE', `model(s) ${unknown.join(', ')} not available for this history (${n} points${primary === undefined ? ', no seasonal cycle fits' : plan.week === undefined ? ', less than two weeks for the weekly models' : ''}); available: ${available.join(', ')}, ensemble`);
    }
    models = models.filter((m) => explicit.has(m.name));
  }
  // The baseline is always scored (relMAE is against it) but competes only when it is a candidate.
  const scored = models.includes(baselineModel) ? models : [...models, baselineModel];
  const choosable = new Set(models.map((m) => m.name));
  if (scored.some((m) => m.name.startsWith('prophet'))) await initProphet();

  // Rolling origins at the end of the history.
  const fcByModel = new Map<string, number[][]>();
  const actuals: number[][] = [];
  const scales: number[] = [];
  const fitMs = new Map<string, number>();
  const failed = new Map<string, string>();
  const scaleLag = primary ?? 1;
  for (let f = folds - 1; f >= 0; f--) {
    const cut = n - hb - f * spacing;
    const train = y.slice(0, cut);
    actuals.push(y.slice(cut, cut + hb));
    scales.push(insampleMae(train, scaleLag));
    for (const m of scored) {
      if (failed.has(m.name)) continue;
      const t0 = performance.now();
      let fc: number[];
      try {
        fc = m.forecast(train, hb);
        if (fc.length !== hb || fc.some((v) => !Number.isFinite(v))) throw new Error('non-finite forecast');
      } catch (err) {
        // A model that cannot fit this history (Prophet's optimiser can give up) leaves the contest; the report says so.
        failed.set(m.name, (err as Error).message.split('\n')[0]!.slice(0, 120));
        fcByModel.delete(m.name);
        continue;
      }
      fitMs.set(m.name, (fitMs.get(m.name) ?? 0) + performance.now() - t0);
      (fcByModel.get(m.name) ?? fcByModel.set(m.name, []).get(m.name)!).push(fc);
    }
  }
  for (const name of failed.keys()) fcByModel.delete(name);
  const actual = actuals.flat();
  const score = (name: string, fcs: number[][]): ModelScore => {
    const f = fcs.flat();
    const m = mae(actual, f);
    const mase = fcs.reduce((s, fc, i) => s + mae(actuals[i]!, fc) / (scales[i] || 1), 0) / fcs.length;
    return { model: name, mae: m, mase, smape: smape(actual, f), relMae: 0, beatsBaseline: false, fitMs: Math.round((fitMs.get(name) ?? 0) / folds) };
  };
  const scores = [...fcByModel.entries()].map(([name, fcs]) => score(name, fcs));
  const baseline = scores.find((s) => s.model === baselineName);
  // A perfect baseline (MAE 0) cannot be beaten: anything with error is infinitely worse.
  const rel = (m: number): number => (baseline === undefined ? NaN : baseline.mae > 0 ? m / baseline.mae : m > 0 ? Infinity : 1);
  // Beating the baseline by rounding error (both exact on a perfectly repeating series) is not beating it.
  const typical = y.reduce((a, b) => a + b, 0) / n;
  const tolerance = 1e-9 * Math.max(1, Math.abs(typical));
  const beats = (m: number): boolean => baseline !== undefined && m < baseline.mae - tolerance;
  for (const s of scores) { s.relMae = rel(s.mae); s.beatsBaseline = beats(s.mae); }

  // Inverse-MAE ensemble of the (up to) three best models that beat the baseline: averaging the
  // leaders steadies a choice made on a few folds; adding every model that beat the baseline let
  // weak daily profiles dilute the weekly leaders.
  scores.sort((a, b) => a.mae - b.mae);
  const good = scores.filter((s) => s.beatsBaseline && s.model !== baselineName && choosable.has(s.model)).slice(0, 3);
  let ensembleWeights: Array<[string, number]> | undefined;
  if (good.length >= 2 && (!explicit || explicit.has('ensemble'))) {
    const w = good.map((s) => [s.model, 1 / s.mae] as [string, number]);
    const total = w.reduce((a, [, x]) => a + x, 0);
    ensembleWeights = w.map(([m, x]) => [m, x / total]);
    const ensFcs = actuals.map((a, i) => a.map((_, j) => ensembleWeights!.reduce((acc, [m, wt]) => acc + wt * fcByModel.get(m)![i]![j]!, 0)));
    fcByModel.set('ensemble', ensFcs);
    const es = score('ensemble', ensFcs);
    es.relMae = rel(es.mae);
    es.beatsBaseline = beats(es.mae);
    es.fitMs = good.reduce((a, g) => a + g.fitMs, 0);
    scores.push(es);
    choosable.add('ensemble');
  }
  scores.sort((a, b) => a.mae - b.mae);
  const contenders = scores.filter((s) => choosable.has(s.model));
  if (contenders.length === 0) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `no model could fit this history (${[...failed].map(([m, why]) => `${m}: ${why}`).join('; ')})`);
  let chosen = contenders[0]!;
  const baselineWords = baselineName === 'snaive' ? 'seasonal naive' : 'naive';
  if (baseline && !chosen.beatsBaseline && chosen.model !== baselineName) {
    if (choosable.has(baselineName)) chosen = baseline;
    notes.push(`no model beat ${baselineWords} in the backtest${choosable.has(baselineName) ? `; using ${baselineWords}` : ''}`);
  } else if (!explicit && chosen.model === baselineName && primary !== undefined) {
    notes.push('no model beat seasonal naive in the backtest; using seasonal naive');
  }
  const lstmScore = scores.find((s) => s.model === 'lstm');
  if (lstmScore && chosen.model !== 'lstm') notes.push(`the LSTM lost the backtest (MAE ${lstmScore.relMae.toFixed(3)}× the baseline, ${lstmScore.fitMs} ms per fit)${good.some((g) => g.model === 'lstm') ? '' : ' and was left out of the ensemble'}`);

  // Refit the chosen model (or the ensemble's members) on the whole history.
  // A model that fitted every fold can still fail on the full history: then the next best takes over.
  const predict = (name: string): number[] | undefined => {
    try {
      const fc = scored.find((m) => m.name === name)!.forecast(y, h);
      return fc.every((v) => Number.isFinite(v)) ? fc : undefined;
    } catch (err) {
      failed.set(name, (err as Error).message.split('\n')[0]!.slice(0, 120));
      return undefined;
    }
  };
  let point: number[] | undefined;
  if (chosen.model === 'ensemble') {
    const parts = ensembleWeights!.map(([m, w]) => [predict(m), w] as const).filter((x): x is readonly [number[], number] => x[0] !== undefined);
    const total = parts.reduce((a, [, w]) => a + w, 0);
    if (parts.length) point = new Array<number>(h).fill(0).map((_, j) => parts.reduce((a, [p, w]) => a + (w / total) * p[j]!, 0));
  } else {
    point = predict(chosen.model);
  }
  for (const next of contenders) {
    if (point) break;
    if (next.model === 'ensemble' || failed.has(next.model)) continue;
    chosen = next;
    point = predict(next.model);
  }
  if (!point) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `no model could fit this history (${[...failed].map(([m, why]) => `${m}: ${why}`).join('; ')})`);
  if (failed.size) notes.push(`${[...failed].map(([m, why]) => `${m} failed to fit (${why})`).join('; ')}`);
  if (hb < h) notes.push(`the history is short: the backtest scored ${hb}-step forecasts, and intervals beyond step ${hb} widen with the square root of the lead time`);

  const cal = calibrate(fcByModel.get(chosen.model)!, actuals, levels, typical);

  const start = series.start + series.values.length * series.stepMs;
  // Prophet learned the effect of events that occurred in the history (as holidays): applying their
  // multiplier on top would count them twice.
  const learned = new Set(chosen.model.startsWith('prophet') ? (opts.events ?? []).filter((e) => e.start < start && e.end > yStart).map((e) => e.name) : []);
  if (learned.size) notes.push(`Prophet learned the effect of ${[...learned].join(', ')} from past occurrences; their multipliers were not applied`);
  const first = String(levels[0]);
  const points: ForecastPoint[] = point.map((p, j) => {
    const ts = start + j * series.stepMs;
    const m = (opts.events ?? []).filter((e) => ts >= e.start && ts < e.end && !learned.has(e.name)).reduce((a, e) => a * e.multiplier, 1);
    const intervals: Record<string, { lower: number; upper: number }> = {};
    for (const lv of levels) {
      const half = cal.halfWidth(lv, j, p);
      intervals[String(lv)] = { lower: Math.max(0, (p - half) * m), upper: (p + half) * m };
    }
    return { ts, point: p * m, lower: intervals[first]!.lower, upper: intervals[first]!.upper, intervals };
  });
  const note = notes.length ? notes.join('; ') : undefined;
  let anomalies: ForecastResult['anomalies'];
  if (primary !== undefined && scored.some((m) => m.name.endsWith('+clean'))) {
    const { replaced } = cleanOutliers(y, primary);
    const ranges: Array<{ start: number; end: number }> = [];
    for (const i of replaced) {
      const t = yStart + i * series.stepMs;
      const last = ranges[ranges.length - 1];
      if (last && last.end === t) last.end = t + series.stepMs;
      else ranges.push({ start: t, end: t + series.stepMs });
    }
    anomalies = { replaced: replaced.length, ranges };
  }
  return {
    model: chosen.model, baseline: baselineName, horizon: h, stepMs: series.stepMs, unit: series.unit ?? 'per-step', points, season,
    backtest: { folds, horizon: hb, mase: chosen.mase, smape: chosen.smape, relMae: chosen.relMae, coverage: cal.coverage, models: scores },
    ...(note ? { note } : {}),
    ...(anomalies ? { anomalies } : {}),
  };
}
