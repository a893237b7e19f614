import { ShadowtwinError } from '../common/index.js';
import { levelAdjustedMedian, naive, seasonalMedian, seasonalNaive, type PointModel } from './models/baselines.js';
import { holtWinters } from './models/holt-winters.js';
import { lstm } from './models/lstm.js';
import { initMstl, mstl } from './models/mstl.js';
import { initProphet, prophet } from './models/prophet.js';
import { cleanOutliers } from './outliers.js';
import { detectSeason, type SeasonCandidate } from './seasonality.js';
import type { Series } from './series.js';

export interface ForecastEvent { name: string; start: number; end: number; multiplier: number }

export interface ForecastOptions {
  /** Steps ahead. */
  horizon: number;
  /** Interval levels, default [0.8, 0.95]. */
  levels?: number[];
  /** Season length in steps (default: detected among hour, day and week; one day when none shows). */
  period?: number;
  /** Model names to consider, or 'auto' (all statistical models). */
  models?: 'auto' | string[];
  /** Backtest folds (rolling origins), default 4. */
  folds?: number;
  /** History used per fit, in steps (default 14 periods, and at least enough for the backtest folds). */
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

export interface ForecastPoint { ts: number; point: number; lower: number; upper: number; intervals: Record<string, { lower: number; upper: number }> }

export interface ForecastResult {
  model: string;
  baseline: string;
  horizon: number;
  stepMs: number;
  points: ForecastPoint[];
  backtest: { folds: number; mase: number; smape: number; relMae: number; coverage: Record<string, number>; models: ModelScore[] };
  /** The season used, in steps, and where it came from (the detection's evidence when detected). */
  season: { period: number; source: 'given' | 'detected' | 'default'; candidates: SeasonCandidate[] };
  /** With `cleanAnomalies`: the stretches of history the cleaned variants saw replaced (epoch ms, end exclusive). */
  anomalies?: { replaced: number; ranges: Array<{ start: number; end: number }> };
  note?: string;
}

export interface CandidateOptions {
  period: number;
  /** Length of the shortest history a candidate will be fitted on (the first backtest fold). */
  historyLen: number;
  /** Time of the history's first value and the step (Prophet needs timestamps). */
  startMs?: number;
  stepMs?: number;
  events?: readonly ForecastEvent[];
  lstm?: boolean;
  prophet?: boolean;
  cleanAnomalies?: boolean;
}

/** The registry of models for a season length. */
export function candidateModels(o: CandidateOptions): PointModel[] {
  const { period, historyLen } = o;
  const models: PointModel[] = [
    naive, seasonalNaive(period, 'snaive'), seasonalMedian(period, 3, 'smedian-3'), seasonalMedian(period, 7, 'smedian-7'),
    levelAdjustedMedian(period, 7, 'smedian-7-level'), holtWinters(period, 'holt-winters'), mstl([period], 'mstl-day'),
  ];
  if (historyLen >= 2 * 7 * period) {
    models.push(seasonalNaive(7 * period, 'snaive-week'), seasonalMedian(7 * period, 2, 'smedian-week'), mstl([period, 7 * period], 'mstl-day-week'));
  }
  if (o.prophet === true && o.startMs !== undefined && o.stepMs !== undefined) models.push(prophet(o.startMs, o.stepMs, o.events ?? []));
  // With anomaly-aware training, the same models also compete trained on a history with incidents
  // replaced: the backtest decides whether that helps.
  if (o.cleanAnomalies) for (const m of models.filter((x) => x.name === 'holt-winters' || x.name.startsWith('mstl-') || x.name === 'prophet')) models.push(cleaned(m, period));
  if (o.lstm) models.push(lstm());
  return models;
}

/** A model fitted on the history with outliers replaced (anomaly-aware training). */
export function cleaned(model: PointModel, period: number): PointModel {
  return { name: `${model.name}+clean`, forecast: (y, h) => model.forecast(cleanOutliers(y, period).values, h) };
}

const mae = (a: readonly number[], b: readonly number[]): number => a.reduce((s, x, i) => s + Math.abs(x - b[i]!), 0) / a.length;
const smape = (a: readonly number[], f: readonly number[]): number => a.reduce((s, x, i) => s + (Math.abs(x) + Math.abs(f[i]!) === 0 ? 0 : (2 * Math.abs(x - f[i]!)) / (Math.abs(x) + Math.abs(f[i]!))), 0) / a.length;

function insampleSnaiveMae(y: readonly number[], period: number): number {
  let s = 0;
  let n = 0;
  for (let i = period; i < y.length; i++) { s += Math.abs(y[i]! - y[i - period]!); n++; }
  return n ? s / n : 1;
}

/** Split-conformal quantile with the finite-sample correction. */
function conformalQuantile(absErrors: number[], level: number): number {
  const s = [...absErrors].sort((a, b) => a - b);
  const k = Math.min(s.length - 1, Math.ceil((s.length + 1) * level) - 1);
  return s[Math.max(0, k)] ?? 0;
}

/**
 * Forecasts with honest intervals. A rolling-origin backtest on the history
 * scores every candidate (MAE, MASE against in-sample seasonal naive, sMAPE);
 * an inverse-MAE ensemble of the models that beat seasonal naive competes
 * too; the best by backtest MAE is refitted on the full history. Intervals are
 * conformal: quantiles of the chosen model's backtest errors, per block of
 * the horizon, scaled by the forecast's level, so their coverage matches the
 * nominal level rather than a model's assumptions. When nothing beats
 * seasonal naive, seasonal naive is used and the result says so.
 */
export async function forecastSeries(series: Series, opts: ForecastOptions): Promise<ForecastResult> {
  const h = opts.horizon;
  // The season: given, or detected on the last eight weeks (hour, day or week; one day when none shows).
  const detection = opts.period === undefined ? detectSeason(series.values.slice(-Math.round((56 * 86_400_000) / series.stepMs)), series.stepMs) : undefined;
  const period = opts.period ?? detection!.period;
  const season: ForecastResult['season'] = { period, source: opts.period !== undefined ? 'given' : detection!.detected ? 'detected' : 'default', candidates: detection?.candidates ?? [] };
  const levels = opts.levels ?? [0.8, 0.95];
  const folds = opts.folds ?? 4;
  const maxHistory = opts.maxHistory ?? Math.max(14 * period, (folds + 2) * h + 2 * period);
  const y = series.values.slice(-maxHistory);
  if (y.length < h + 2 * period) {
    throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `the history has ${y.length} points; forecasting ${h} steps with a season of ${period} needs at least ${h + 2 * period}`);
  }
  await initMstl();
  const explicit = opts.models && opts.models !== 'auto' ? new Set(opts.models) : undefined;
  const yStart = series.start + (series.values.length - y.length) * series.stepMs;
  const candidates = (historyLen: number, all = false): PointModel[] => candidateModels({
    period, historyLen, startMs: yStart, stepMs: series.stepMs, events: opts.events,
    lstm: all || opts.lstm === true || explicit?.has('lstm') === true,
    prophet: all || opts.prophet === true || (explicit !== undefined && [...explicit].some((n) => n.startsWith('prophet'))),
    cleanAnomalies: all || opts.cleanAnomalies === true || (explicit !== undefined && [...explicit].some((n) => n.endsWith('+clean'))),
  });
  let models = candidates(y.length - folds * h);
  if (explicit) {
    models = models.filter((m) => explicit.has(m.name) || m.name === 'snaive');
    const unknown = [...explicit].filter((w) => !models.some((m) => m.name === w));
    if (unknown.length) throw new ShadowtwinError('ST_ERR_USAGE', `unknown model(s) ${unknown.join(', ')}; available: ${candidates(y.length, true).map((m) => m.name).join(', ')}`);
  }
  if (models.some((m) => m.name.startsWith('prophet'))) await initProphet();

  // Rolling origins at the end of the history.
  const fcByModel = new Map<string, number[][]>();
  const actuals: number[][] = [];
  const scales: number[] = [];
  const fitMs = new Map<string, number>();
  const failed = new Map<string, string>();
  for (let f = folds; f >= 1; f--) {
    const cut = y.length - f * h;
    const train = y.slice(0, cut);
    actuals.push(y.slice(cut, cut + h));
    scales.push(insampleSnaiveMae(train, period));
    for (const m of models) {
      if (failed.has(m.name)) continue;
      const t0 = performance.now();
      let fc: number[];
      try {
        fc = m.forecast(train, h);
        if (fc.length !== h || fc.some((v) => !Number.isFinite(v))) throw new Error('non-finite forecast');
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
  const flat = (xs: number[][]): number[] => xs.flat();
  const actual = flat(actuals);
  const score = (name: string, fcs: number[][]): ModelScore => {
    const f = flat(fcs);
    const m = mae(actual, f);
    const mase = fcs.reduce((s, fc, i) => s + mae(actuals[i]!, fc) / (scales[i] || 1), 0) / fcs.length;
    return { model: name, mae: m, mase, smape: smape(actual, f), relMae: 0, beatsBaseline: false, fitMs: Math.round((fitMs.get(name) ?? 0) / folds) };
  };
  const scores = [...fcByModel.entries()].map(([name, fcs]) => score(name, fcs));
  const baseline = scores.find((s) => s.model === 'snaive')!;
  // A perfect baseline (MAE 0) cannot be beaten: anything with error is infinitely worse.
  const rel = (m: number): number => (baseline.mae > 0 ? m / baseline.mae : m > 0 ? Infinity : 1);
  for (const s of scores) { s.relMae = rel(s.mae); s.beatsBaseline = s.relMae < 1; }

  // Inverse-MAE ensemble of the models that beat the baseline.
  const good = scores.filter((s) => s.beatsBaseline && s.model !== 'snaive');
  let ensembleWeights: Array<[string, number]> | undefined;
  if (good.length >= 2) {
    const w = good.map((s) => [s.model, 1 / s.mae] as [string, number]);
    const total = w.reduce((a, [, x]) => a + x, 0);
    ensembleWeights = w.map(([n, x]) => [n, x / total]);
    const ensFcs = actuals.map((_, i) => new Array<number>(h).fill(0).map((_, j) => ensembleWeights!.reduce((a, [n, wt]) => a + wt * fcByModel.get(n)![i]![j]!, 0)));
    fcByModel.set('ensemble', ensFcs);
    const es = score('ensemble', ensFcs);
    es.relMae = rel(es.mae);
    es.beatsBaseline = es.relMae < 1;
    es.fitMs = good.reduce((a, s) => a + s.fitMs, 0);
    scores.push(es);
  }
  scores.sort((a, b) => a.mae - b.mae);
  let chosen = scores[0]!;
  const notes: string[] = [];
  if (!chosen.beatsBaseline) {
    chosen = baseline;
    notes.push('no model beat seasonal naive in the backtest; using seasonal naive');
  }
  const lstmScore = scores.find((s) => s.model === 'lstm');
  if (lstmScore && chosen.model !== 'lstm') notes.push(`the LSTM lost the backtest (MAE ${lstmScore.relMae.toFixed(3)}× seasonal naive, ${lstmScore.fitMs} ms per fit)${good.some((g) => g.model === 'lstm') ? '' : ' and was left out of the ensemble'}`);

  // Refit the chosen model (or the ensemble's members) on the whole history.
  // A model that fitted every fold can still fail on the full history: then the next best takes over.
  const predict = (name: string): number[] | undefined => {
    try {
      const fc = models.find((m) => m.name === name)!.forecast(y, h);
      return fc.every((v) => Number.isFinite(v)) ? fc : undefined;
    } catch (err) {
      failed.set(name, (err as Error).message.split('\n')[0]!.slice(0, 120));
      return undefined;
    }
  };
  let point: number[] | undefined;
  if (chosen.model === 'ensemble') {
    const parts = ensembleWeights!.map(([n, w]) => [predict(n), w] as const).filter((x): x is readonly [number[], number] => x[0] !== undefined);
    const total = parts.reduce((a, [, w]) => a + w, 0);
    if (parts.length) point = new Array<number>(h).fill(0).map((_, j) => parts.reduce((a, [p, w]) => a + (w / total) * p[j]!, 0));
  } else {
    point = predict(chosen.model);
  }
  for (const next of scores) {
    if (point) break;
    if (next.model === 'ensemble' || failed.has(next.model) || (!next.beatsBaseline && next.model !== 'snaive')) continue;
    chosen = next;
    point = predict(next.model);
  }
  if (!point) { chosen = baseline; point = predict('snaive')!; }
  if (failed.size) notes.push(`${[...failed].map(([n, why]) => `${n} failed to fit (${why})`).join('; ')}`);

  // Conformal intervals: errors relative to the forecast level, per block of the horizon.
  const blocks = Math.min(12, Math.max(1, Math.floor(h / 12)));
  const blockOf = (j: number): number => Math.min(blocks - 1, Math.floor((j * blocks) / h));
  const typical = y.reduce((a, b) => a + b, 0) / y.length;
  const scaleOf = (v: number): number => Math.max(v, 0) + 0.25 * typical; // keeps night-time intervals from collapsing to 0
  const chosenFcs = fcByModel.get(chosen.model)!;
  const relErr: number[][] = Array.from({ length: blocks }, () => []);
  chosenFcs.forEach((fc, i) => fc.forEach((v, j) => relErr[blockOf(j)]!.push(Math.abs(actuals[i]![j]! - v) / scaleOf(v))));
  // The chosen model won the backtest, so its errors there are optimistic. Calibrate each level by
  // leave-one-fold-out: raise the quantile level until intervals built from the other folds cover the
  // held-out fold at the nominal rate on average, then take that level over all folds.
  const perFold: number[][][] = chosenFcs.map((fc, i) => {
    const rows: number[][] = Array.from({ length: blocks }, () => []);
    fc.forEach((v, j) => rows[blockOf(j)]!.push(Math.abs(actuals[i]![j]! - v) / scaleOf(v)));
    return rows;
  });
  const looCoverage = (lv: number): number => {
    if (perFold.length < 2) return lv;
    let inside = 0;
    let n = 0;
    perFold.forEach((rows, f) => {
      const others = perFold.filter((_, g) => g !== f);
      rows.forEach((errs, b) => {
        const qb = conformalQuantile(others.flatMap((o) => o[b]!), lv);
        for (const e of errs) { n++; if (e <= qb) inside++; }
      });
    });
    return n ? inside / n : lv;
  };
  const q: Record<string, number[]> = {};
  for (const lv of levels) {
    let adjusted = lv;
    for (let step = 0; step < 40 && adjusted < 0.995 && looCoverage(adjusted) < lv; step++) adjusted = Math.min(0.995, adjusted + 0.005);
    q[String(lv)] = relErr.map((errs) => conformalQuantile(errs, adjusted));
  }
  const coverage: Record<string, number> = {};
  for (const lv of levels) {
    // In-sample (backtest) coverage of the calibrated intervals: a sanity check, not an out-of-sample claim.
    let inside = 0;
    let n = 0;
    chosenFcs.forEach((fc, i) => fc.forEach((v, j) => { n++; if (Math.abs(actuals[i]![j]! - v) <= q[String(lv)]![blockOf(j)]! * scaleOf(v)) inside++; }));
    coverage[String(lv)] = Math.round((inside / Math.max(1, n)) * 1000) / 1000;
  }

  const start = series.start + series.values.length * series.stepMs;
  // Prophet learned the effect of events that occurred in the history (as holidays): applying their
  // multiplier on top would count them twice.
  const learned = new Set(chosen.model.startsWith('prophet') ? (opts.events ?? []).filter((e) => e.start < start && e.end > yStart).map((e) => e.name) : []);
  if (learned.size) notes.push(`Prophet learned the effect of ${[...learned].join(', ')} from past occurrences; their multipliers were not applied`);
  const primary = String(levels[0]);
  const points: ForecastPoint[] = point.map((p, j) => {
    const ts = start + j * series.stepMs;
    const m = (opts.events ?? []).filter((e) => ts >= e.start && ts < e.end && !learned.has(e.name)).reduce((a, e) => a * e.multiplier, 1);
    const intervals: Record<string, { lower: number; upper: number }> = {};
    for (const lv of levels) {
      const half = q[String(lv)]![blockOf(j)]! * scaleOf(p);
      intervals[String(lv)] = { lower: Math.max(0, (p - half) * m), upper: (p + half) * m };
    }
    return { ts, point: p * m, lower: intervals[primary]!.lower, upper: intervals[primary]!.upper, intervals };
  });
  const note = notes.length ? notes.join('; ') : undefined;
  let anomalies: ForecastResult['anomalies'];
  if (models.some((m) => m.name.endsWith('+clean'))) {
    const { replaced } = cleanOutliers(y, period);
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
    model: chosen.model, baseline: 'snaive', horizon: h, stepMs: series.stepMs, points, season,
    backtest: { folds, mase: chosen.mase, smape: chosen.smape, relMae: chosen.relMae, coverage, models: scores },
    ...(note ? { note } : {}),
    ...(anomalies ? { anomalies } : {}),
  };
}
