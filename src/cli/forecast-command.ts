import type { Command } from 'commander';
import { parseDuration, requestRateQuery, ShadowtwinError } from '../common/index.js';
import type { SkipReport } from '../common/index.js';
import { checkHorizon, describeSkips, readEventCalendar, renderForecast, forecastDocument, forecastSeries, MIN_HISTORY, shortHistoryMessage, seriesFromFile, seriesFromPrometheus, type Series } from '../forecast/index.js';
import { runCommand } from './run-command.js';

interface ForecastFlags { season: string; lstm?: boolean; prophet?: boolean; cleanAnomalies?: boolean; input?: string; prometheus?: string; query: string; since: string; step?: string; horizon: string; level: string; events?: string; models: string; unit: string; json?: boolean }

export function csvUnit(flag: string): 'req/s' | 'per-step' {
  if (flag === 'req/s' || flag === 'rps') return 'req/s';
  if (flag === 'per-step' || flag === 'count') return 'per-step';
  throw new ShadowtwinError('ST_ERR_USAGE', `--unit ${flag}: give req/s (the CSV holds requests per second) or per-step (requests per step, converted to req/s)`);
}

async function loadSeries(f: ForecastFlags): Promise<{ series: Series; skips?: SkipReport }> {
  if (f.prometheus && f.input) throw new ShadowtwinError('ST_ERR_USAGE', 'give either --input or --prometheus, not both');
  if (f.prometheus) {
    const since = parseDuration(f.since);
    const step = parseDuration(f.step ?? '5m');
    if (!since || !step) throw new ShadowtwinError('ST_ERR_USAGE', '--since and --step take durations such as 14d and 5m');
    return { series: await seriesFromPrometheus(f.prometheus, f.query, since, step, process.env.SHADOWTWIN_PROMETHEUS_TOKEN) };
  }
  if (!f.input) throw new ShadowtwinError('ST_ERR_USAGE', 'give --input (CSV, model.json or capture) or --prometheus');
  const step = f.step === undefined ? undefined : parseDuration(f.step);
  if (f.step !== undefined && !step) throw new ShadowtwinError('ST_ERR_USAGE', `--step ${f.step}: give a duration such as 5m`);
  return seriesFromFile(f.input, { csvUnit: csvUnit(f.unit), stepMs: step ?? 300_000 });
}

const CLEANABLE = ['holt-winters', 'mstl-day', 'mstl-day-week', 'prophet'];

/**
 * The model list: --lstm and --prophet add their model to an explicit
 * --models list, and --clean-anomalies the +clean variants of its listed
 * models (a list names exactly what competes, so the flags must not vanish).
 */
export function modelList(f: Pick<ForecastFlags, 'models' | 'lstm' | 'prophet' | 'cleanAnomalies'>): 'auto' | string[] {
  if (f.models.trim() === 'auto') return 'auto';
  const names = [...new Set(f.models.split(',').map((s) => s.trim()).filter(Boolean))];
  if (names.length === 0) throw new ShadowtwinError('ST_ERR_USAGE', `--models ${JSON.stringify(f.models)}: give auto or a comma list of model names, e.g. snaive,ets`);
  if (names.every((m) => m === 'ensemble')) throw new ShadowtwinError('ST_ERR_USAGE', '--models ensemble: the ensemble combines other models; name them too, e.g. --models snaive,ets,ensemble (or auto)');
  if (f.lstm && !names.includes('lstm')) names.push('lstm');
  if (f.prophet && !names.includes('prophet')) names.push('prophet');
  if (f.cleanAnomalies) {
    const clean = names.filter((n) => CLEANABLE.includes(n)).map((n) => `${n}+clean`);
    if (clean.length === 0) throw new ShadowtwinError('ST_ERR_USAGE', `--clean-anomalies refits ${CLEANABLE.join(', ')} on a cleaned history; --models ${f.models} has none of them: add one, or drop --clean-anomalies`);
    for (const c of clean) if (!names.includes(c)) names.push(c);
  }
  return names;
}

export function registerForecastCommand(program: Command): void {
  program
    .command('forecast')
    .description('forecast the request rate with calibrated intervals (model chosen by backtest)')
    .option('--input <file>', 'timestamp,value CSV, a request model (model.json) or a capture')
    .option('--prometheus <url>', 'read the history from Prometheus instead')
    .option('--query <promql>', 'with --prometheus', requestRateQuery())
    .option('--since <d>', 'with --prometheus: history length', '14d')
    .option('--step <d>', 'series step for captures and Prometheus (CSV and models carry theirs)')
    .option('--unit <unit>', 'what CSV values are: req/s (requests per second) or per-step (requests per step; converted to req/s)', 'req/s')
    .option('--horizon <h>', 'a duration (1d, 90m) or a number of steps', '1d')
    .option('--level <list>', 'interval levels', '0.8,0.95')
    .option('--events <file>', 'YAML calendar of { name, start, end, multiplier }')
    .option('--models <list>', 'auto, or a comma list exactly those: naive, drift, ses, holt, damped-trend, ets, snaive, smedian-3, smedian-7, smedian-7-level, holt-winters, mstl-day, snaive-week, snaive-week-smooth, smedian-7-weekday, mstl-day-week, ensemble, prophet, lstm, +clean variants, …; --lstm, --prophet and --clean-anomalies add to it', 'auto')
    .option('--lstm', 'also train an LSTM (seconds per fit); kept only if it wins the backtest')
    .option('--season <d>', 'season length (1d, 1h, 1w) or auto: every cycle the history supports competes (day, week from two weeks, hour when the day does not fit)', 'auto')
    .option('--clean-anomalies', 'anomaly-aware training: models also compete fitted on the history with outliers replaced')
    .option('--prophet', 'also fit Prophet (augurs; calendar events become its holidays); kept only if it wins the backtest')
    .option('--json', 'machine-readable output')
    .action((f: ForecastFlags) => runCommand(async () => {
      const { series, skips } = await loadSeries(f);
      const models = modelList(f);
      if (skips?.total && !f.json) process.stderr.write(`skipped ${skips.total} row(s): ${describeSkips(skips)}\n`);
      for (const w of skips?.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
      if (series.values.length < MIN_HISTORY) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', shortHistoryMessage(series, MIN_HISTORY, f.input ?? 'Prometheus'));
      const horizon = /^\d+$/.test(f.horizon) ? Number(f.horizon) : Math.round((parseDuration(f.horizon) ?? NaN) / series.stepMs);
      if (!Number.isFinite(horizon) || horizon < 1) throw new ShadowtwinError('ST_ERR_USAGE', `--horizon ${f.horizon}: give a duration (1d, 90m) or a number of steps`);
      checkHorizon(horizon, series, f.horizon);
      const levels = f.level.split(',').map(Number);
      if (levels.some((l) => !(l > 0 && l < 1))) throw new ShadowtwinError('ST_ERR_USAGE', `--level ${f.level}: levels are between 0 and 1, e.g. 0.8,0.95`);
      let period: number | undefined;
      if (f.season !== 'auto') {
        const ms = parseDuration(f.season);
        period = ms ? Math.round(ms / series.stepMs) : NaN;
        if (!(period! >= 1) || Math.abs(period! * series.stepMs - ms!) > series.stepMs / 100) throw new ShadowtwinError('ST_ERR_USAGE', `--season ${f.season}: give auto or a duration that is a whole number of ${series.stepMs / 1000}s steps (1h, 1d, 1w)`);
      }
      const result = await forecastSeries(series, { horizon, levels, ...(period ? { period } : {}), models, events: f.events ? readEventCalendar(f.events) : [], lstm: f.lstm === true, prophet: f.prophet === true, cleanAnomalies: f.cleanAnomalies === true });
      if (f.json) {
        process.stdout.write(JSON.stringify(forecastDocument(result, skips)) + '\n');
      } else {
        process.stdout.write(renderForecast(result));
      }
    }));
}
