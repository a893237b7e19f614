/**
 * Forecasting benchmark (issue 4), on the shared tweet-volume series
 * (../shared/data/*.csv, 5-minute counts): 7 rolling origins at the end of
 * each series, horizon one day (288 steps), at most 14 days of history per
 * fit. Score: MAE of the tool's chosen forecast ÷ MAE of seasonal naive
 * (one day) over the same test windows (relMAE); plus MASE, sMAPE, and the
 * out-of-sample coverage of the 80% and 95% intervals; per-model table.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { forecastSeries, readSeriesCsv, seasonalNaive } from '../src/forecast/index.js';
import { checksTable, table, type Check } from './lib/table.js';

const DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const ORIGINS = Number(process.env.BENCH_FORECAST_ORIGINS ?? 7);

export async function benchForecast(): Promise<{ markdown: string; checks: Check[] }> {
  if (!existsSync(DATA)) return { markdown: `(skipped: ${DATA} not found)`, checks: [] };
  const files = readdirSync(DATA).filter((f) => f.endsWith('.csv'));
  const rows: Array<Array<string | number>> = [];
  const modelRows: Array<Array<string | number>> = [];
  const checks: Check[] = [];
  for (const f of files) {
    const { series } = readSeriesCsv(DATA + f);
    const h = 288;
    const hist = 14 * 288;
    let absChosen = 0;
    let absSnaive = 0;
    let n = 0;
    let smapeSum = 0;
    let maseSum = 0;
    const inside: Record<string, number> = { '0.8': 0, '0.95': 0 };
    const chosenCount = new Map<string, number>();
    const perModel = new Map<string, number[]>();
    let fitMs = 0;
    for (let k = ORIGINS; k >= 1; k--) {
      const cut = series.values.length - k * h;
      const history = { ...series, values: series.values.slice(Math.max(0, cut - hist), cut) };
      const actual = series.values.slice(cut, cut + h);
      const t0 = performance.now();
      const fc = await forecastSeries(history, { horizon: h, levels: [0.8, 0.95] });
      fitMs += performance.now() - t0;
      const sn = seasonalNaive(288).forecast(history.values, h);
      chosenCount.set(fc.model, (chosenCount.get(fc.model) ?? 0) + 1);
      let scale = 0;
      for (let i = 288; i < history.values.length; i++) scale += Math.abs(history.values[i]! - history.values[i - 288]!);
      scale /= history.values.length - 288;
      let absK = 0;
      fc.points.forEach((p, i) => {
        const a = actual[i]!;
        absChosen += Math.abs(a - p.point);
        absK += Math.abs(a - p.point);
        absSnaive += Math.abs(a - sn[i]!);
        smapeSum += Math.abs(a) + Math.abs(p.point) === 0 ? 0 : (2 * Math.abs(a - p.point)) / (Math.abs(a) + Math.abs(p.point));
        for (const lv of ['0.8', '0.95']) if (a >= p.intervals[lv]!.lower && a <= p.intervals[lv]!.upper) inside[lv]!++;
        n++;
      });
      maseSum += absK / h / scale;
      for (const s of fc.backtest.models) (perModel.get(s.model) ?? perModel.set(s.model, []).get(s.model)!).push(s.relMae);
    }
    const rel = absChosen / absSnaive;
    const cov80 = inside['0.8']! / n;
    const cov95 = inside['0.95']! / n;
    const name = f.replace('twitter_volume_', '').replace('_5min.csv', '').toUpperCase();
    rows.push([name, rel.toFixed(3), (maseSum / ORIGINS).toFixed(3), (smapeSum / n).toFixed(3), cov80.toFixed(3), cov95.toFixed(3), [...chosenCount].map(([m, c]) => `${m}×${c}`).join(', '), `${(fitMs / ORIGINS / 1000).toFixed(2)} s`]);
    for (const [m, rels] of perModel) modelRows.push([name, m, (rels.reduce((a, b) => a + b, 0) / rels.length).toFixed(3)]);
    checks.push({ name: `${name}: relMAE vs seasonal naive`, value: rel.toFixed(3), target: '≤ 0.90', pass: rel <= 0.9 });
    checks.push({ name: `${name}: 80% interval coverage`, value: cov80.toFixed(3), target: '0.75–0.85', pass: cov80 >= 0.75 && cov80 <= 0.85 });
    checks.push({ name: `${name}: backtest + fit + forecast time`, value: `${(fitMs / ORIGINS / 1000).toFixed(2)} s`, target: '< 2 s', pass: fitMs / ORIGINS < 2000 });
  }
  // The opt-in models (LSTM: seconds per fit; Prophet: lost on these series), timed on the last origin of each series.
  const optRows: Array<Array<string | number>> = [];
  for (const f of process.env.BENCH_FORECAST_OPTIN === '0' ? [] : files) {
    const { series } = readSeriesCsv(DATA + f);
    const cut = series.values.length - 288;
    const history = { ...series, values: series.values.slice(Math.max(0, cut - 14 * 288), cut) };
    const t0 = performance.now();
    const fc = await forecastSeries(history, { horizon: 288, lstm: true, prophet: true, cleanAnomalies: true });
    const whole = `${((performance.now() - t0) / 1000).toFixed(1)} s`;
    const name = f.replace('twitter_volume_', '').replace('_5min.csv', '').toUpperCase();
    for (const model of ['lstm', 'prophet', 'prophet+clean', 'mstl-day+clean', 'holt-winters+clean']) {
      const s = fc.backtest.models.find((m) => m.model === model);
      optRows.push([name, model, s ? s.relMae.toFixed(3) : 'failed to fit (see note)', s ? `${(s.fitMs / 1000).toFixed(2)} s` : '', whole, fc.model]);
    }
    if (fc.note) optRows.push([name, 'note', fc.note, '', '', '']);
  }
  return {
    markdown: [
      `### Forecast accuracy (${ORIGINS} rolling origins, horizon 1 day, ≤ 14 days history per fit)`,
      table(['series', 'relMAE', 'MASE', 'sMAPE', '80% cov.', '95% cov.', 'chosen', 'time per forecast'], rows),
      '',
      '#### Per model: backtest relMAE inside the tool (mean over origins)',
      table(['series', 'model', 'backtest relMAE'], modelRows.sort((a, b) => String(a[0]).localeCompare(String(b[0])) || Number(a[2]) - Number(b[2]))),
      '',
      '#### Opt-in models (`--lstm`: brain.js LSTMTimeStep, 16 hidden, window 25, ≤ 4 s training per fit; `--prophet`: augurs Prophet; `--clean-anomalies`: `+clean` variants), last origin only',
      table(['series', 'model', 'backtest relMAE', 'fit time per fold', 'whole forecast (all models)', 'chosen'], optRows),
      '',
      checksTable(checks),
    ].join('\n'),
    checks,
  };
}
