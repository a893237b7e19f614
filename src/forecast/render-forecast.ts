import { sparkline as sparklineOf } from '../profiler/index.js';
import type { ForecastResult } from './forecast.js';

function humanSteps(steps: number, stepMs: number): string {
  const ms = steps * stepMs;
  if (ms === 0) return 'none';
  return ms % 604_800_000 === 0 ? `${ms / 604_800_000}w` : ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${ms / 60_000}m`;
}

function longest(ranges: Array<{ start: number; end: number }>): string {
  const r = ranges.reduce((a, b) => (b.end - b.start > a.end - a.start ? b : a));
  return `${new Date(r.start).toISOString().slice(0, 16).replace('T', ' ')} for ${Math.round((r.end - r.start) / 60_000)} min`;
}

/** A score to 3 decimals, or `n/a` when it is not a number (a zero denominator). */
function fixed(x: number): string {
  return !Number.isFinite(x) ? 'n/a' : Math.abs(x) >= 1e5 ? x.toExponential(2) : x.toFixed(3);
}

/** Why a score reads n/a, or why a relative score says little. */
function metricNotes(r: ForecastResult): string[] {
  const notes: string[] = [];
  const base = r.baseline === 'snaive' ? 'seasonal naive' : r.baseline;
  if (!Number.isFinite(r.backtest.mase)) notes.push('MASE n/a: the history does not change from step to step (its in-sample error, the scale, is 0)');
  if (!Number.isFinite(r.backtest.relMae)) notes.push(`MAE vs ${base} n/a: ${base} made no error in the backtest (a constant or all-zero series), so no ratio`);
  else if (r.backtest.relMae < 0.05 || r.backtest.relMae > 20) notes.push(`MAE vs ${base} ${fixed(r.backtest.relMae)} is extreme: ${base}'s backtest error is dominated by a few points (a spike copied a season ahead, or a near-zero error); judge by the MAE column instead`);
  return notes;
}

/** The human report of a forecast: model, season, backtest table, sparklines and points. */
export function renderForecast(r: ForecastResult): string {
  const lines = [
    `model ${r.model}${r.note ? `  (${r.note})` : ''}`,
    `unit ${r.unit === 'req/s' ? 'requests per second' : `as given, per ${humanSteps(1, r.stepMs)} step`}`,
    `season ${humanSteps(r.season.period, r.stepMs)}${r.season.week ? ` and ${humanSteps(r.season.week, r.stepMs)}` : ''} (${r.season.source === 'none' ? 'the history is too short for any calendar cycle' : r.season.source}${r.season.candidates.length ? `; autocorrelation ${r.season.candidates.map((c) => `${c.name} ${c.acf} vs half ${c.acfHalf}${c.present ? ' ✓' : ''}`).join(', ')}` : ''})`,
    `backtest (${r.backtest.folds} rolling origins of ${r.backtest.horizon} steps): MASE ${fixed(r.backtest.mase)}  sMAPE ${fixed(r.backtest.smape)}  MAE vs ${r.baseline === 'snaive' ? 'seasonal naive' : r.baseline} ${fixed(r.backtest.relMae)}  coverage ${Object.entries(r.backtest.coverage).map(([l, c]) => `${Number(l) * 100}%: ${c}`).join(', ')}`,
    ...metricNotes(r),
    '',
    `model              backtest MAE   MASE    sMAPE   vs ${r.baseline.padEnd(7)} fit`,
    ...r.backtest.models.map((m) => `${m.model.padEnd(18)}${(!Number.isFinite(m.mae) ? 'n/a' : m.mae >= 1e7 ? m.mae.toExponential(3) : m.mae >= 10 ? m.mae.toFixed(2) : m.mae.toPrecision(3)).padStart(13)}${` ${fixed(m.mase)}`.padStart(7)}${` ${fixed(m.smape)}`.padStart(9)}${` ${fixed(m.relMae)}`.padStart(12)}${`${m.fitMs}ms`.padStart(8)}${m.model === r.model ? '  ← chosen' : ''}`),
    ...(r.anomalies ? ['', `anomaly-aware training: ${r.anomalies.replaced} points replaced in ${r.anomalies.ranges.length} stretches${r.anomalies.ranges.length ? `, longest ${longest(r.anomalies.ranges)}` : ''}`] : []),
    '',
    `point   ${sparklineOf(r.points.map((p) => p.point))}`,
    `upper   ${sparklineOf(r.points.map((p) => p.upper))}`,
    '',
    `time                    point     lower     upper   (${r.unit === 'req/s' ? 'req/s' : 'per step'})`,
  ];
  const every = Math.max(1, Math.floor(r.points.length / 12));
  for (let i = 0; i < r.points.length; i += every) {
    const p = r.points[i]!;
    const v = (x: number): string => (Math.abs(x) >= 10 ? x.toFixed(1) : x.toPrecision(3)).padStart(10);
    lines.push(`${new Date(p.ts).toISOString().slice(0, 16).replace('T', ' ')} ${v(p.point)}${v(p.lower)}${v(p.upper)}`);
  }
  return lines.join('\n') + '\n';
}

