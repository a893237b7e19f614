import { textTable } from '../../common/text-table.js';
import type { LoadRunEmitter } from '../load-run-events.js';
import type { RunReport } from '../run-report.js';

/** Writes the summary of the run's report when it is ready; returns how to detach. */
export function attachSummary(run: LoadRunEmitter, write: (text: string) => void): () => void {
  const onReport = (r: RunReport): void => write(renderSummary(r));
  run.on('report', onReport);
  return () => { run.off('report', onReport); };
}

/** The human summary printed after a run (the JSON report is the contract). */
export function renderSummary(r: RunReport): string {
  const s = r.summary;
  const lines = [
    `target ${r.meta.target}  executor ${r.meta.executor}  source ${r.meta.source}  seed ${r.meta.seed}${r.meta.segment ? `  segment ${r.meta.segment.index}/${r.meta.segment.count}` : ''}`,
    `requests ${s.requests}  intended ${s.intended}  errors ${s.errors}  dropped ${s.dropped}  rate ${s.achievedRate}/${s.intendedRate} req/s`,
    `latency ms (from intended send time)  p50 ${s.latencyMs.p50}  p90 ${s.latencyMs.p90}  p99 ${s.latencyMs.p99}  p99.9 ${s.latencyMs.p999}  max ${s.latencyMs.max}`,
    `schedule lag ms  p50 ${s.lagMs.p50}  p99 ${s.lagMs.p99}  max ${s.lagMs.max}`,
    `outcomes ${Object.entries(s.outcomes).map(([k, v]) => `${k}=${v}`).join(' ')}`,
  ];
  if (r.routes.length > 1) {
    lines.push('', ...textTable([
      { header: 'route', max: 50, cut: 'middle' }, { header: 'method', max: 10 }, { header: 'requests', align: 'right' },
      { header: 'errors', align: 'right' }, { header: 'p50 ms', align: 'right' }, { header: 'p99 ms', align: 'right' },
    ], r.routes.slice(0, 20).map((rt) => [rt.route, rt.method, String(rt.requests), String(rt.errors), String(rt.latencyMs.p50), String(rt.latencyMs.p99)])));
  }
  const faults = Object.entries(r.faults);
  if (faults.length) {
    lines.push('', 'faults: ' + faults.map(([k, f]) => `${k} injected ${f.injected} → ${Object.entries(f.outcomes).map(([o, n]) => `${o}=${n}`).join(' ')}`).join('; '));
  }
  if (r.thresholds.length) {
    lines.push('', ...r.thresholds.map((t) => `${t.pass ? '✓' : '✗'} ${t.route ? t.route + ' ' : ''}${t.expr}  (actual ${Number.isFinite(t.actual) ? +t.actual.toFixed(4) : t.actual})`));
  }
  return lines.join('\n') + '\n';
}
