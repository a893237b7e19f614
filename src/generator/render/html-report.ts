import type { LoadRunEmitter } from '../load-run-events.js';
import type { RunReport } from '../run-report.js';

/** Writes the HTML report of the run when its report is ready; returns how to detach. */
export function attachHtmlReport(run: LoadRunEmitter, write: (html: string) => void): () => void {
  const onReport = (r: RunReport): void => write(renderHtmlReport(r));
  run.on('report', onReport);
  return () => { run.off('report', onReport); };
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** An SVG line chart of several series over the same x (seconds). */
function lineChart(title: string, unit: string, series: Array<{ name: string; color: string; values: number[] }>): string {
  const w = 720;
  const h = 220;
  const pad = { l: 56, r: 12, t: 24, b: 28 };
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const max = Math.max(1e-9, ...series.flatMap((s) => s.values));
  const x = (i: number): number => pad.l + (i / Math.max(1, n - 1)) * (w - pad.l - pad.r);
  const y = (v: number): number => h - pad.b - (v / max) * (h - pad.t - pad.b);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<line x1="${pad.l}" x2="${w - pad.r}" y1="${y(max * f)}" y2="${y(max * f)}" stroke="#eee"/><text x="${pad.l - 6}" y="${y(max * f) + 4}" text-anchor="end" font-size="11">${+(max * f).toPrecision(3)}</text>`).join('');
  const lines = series.map((s) => `<polyline fill="none" stroke="${s.color}" stroke-width="1.8" points="${s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`).join('');
  const legend = series.map((s, i) => `<text x="${pad.l + 10 + i * 150}" y="14" font-size="12" fill="${s.color}">■ ${esc(s.name)}</text>`).join('');
  return `<figure><figcaption>${esc(title)} (${esc(unit)}) over seconds</figcaption><svg viewBox="0 0 ${w} ${h}" width="100%" role="img" aria-label="${esc(title)}">${ticks}${lines}${legend}<text x="${w - pad.r}" y="${h - 6}" text-anchor="end" font-size="11">${n - 1} s</text></svg></figure>`;
}

/**
 * A self-contained HTML report (no scripts, no external files): summary,
 * rate intended vs achieved, latency percentiles over time, per-route table,
 * faults and thresholds. The JSON report stays the contract.
 */
export function renderHtmlReport(r: RunReport): string {
  const s = r.summary;
  const tl = r.timeline;
  const routes = r.routes.map((rt) => `<tr><td>${esc(rt.route)}</td><td>${esc(rt.method)}</td><td>${rt.requests}</td><td>${rt.errors}</td><td>${rt.latencyMs.p50}</td><td>${rt.latencyMs.p90}</td><td>${rt.latencyMs.p99}</td><td>${rt.latencyMs.max}</td></tr>`).join('');
  const faults = Object.entries(r.faults).map(([k, f]) => `<tr><td>${esc(k)}</td><td>${f.injected}</td><td>${esc(Object.entries(f.outcomes).map(([o, n]) => `${o}: ${n}`).join(', '))}</td></tr>`).join('');
  const ths = r.thresholds.map((t) => `<tr class="${t.pass ? 'ok' : 'bad'}"><td>${t.pass ? 'pass' : 'FAIL'}</td><td>${esc(t.route ?? 'total')}</td><td>${esc(t.expr)}</td><td>${t.actual}</td></tr>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>shadowtwin run report: ${esc(r.meta.target)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;max-width:960px;color:#222}table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}.ok td:first-child{color:#197a2e}.bad td:first-child{color:#b3261e;font-weight:bold}figure{margin:12px 0}figcaption{font-weight:600}.kpi{display:inline-block;margin-right:24px}.kpi b{display:block;font-size:20px}</style></head><body>
<h1>shadowtwin run report</h1>
<p>${esc(r.meta.target)} · executor ${esc(r.meta.executor)} · source ${esc(r.meta.source)} · seed ${r.meta.seed} · started ${esc(r.meta.start)} · ${(r.meta.durationMs / 1000).toFixed(1)} s${r.meta.segments ? ` · merged from ${r.meta.segments} segments` : ''} · <strong>${r.pass ? 'PASS' : 'FAIL'}</strong></p>
<div><span class="kpi"><b>${s.requests}</b>requests</span><span class="kpi"><b>${s.achievedRate}/${s.intendedRate}</b>req/s achieved/intended</span><span class="kpi"><b>${s.errors}</b>errors</span><span class="kpi"><b>${s.dropped}</b>dropped arrivals</span><span class="kpi"><b>${s.latencyMs.p99} ms</b>p99 (from intended send)</span></div>
${lineChart('Rate', 'req/s', [{ name: 'intended', color: '#888', values: tl.map((p) => p.intended) }, { name: 'completed', color: '#1a73e8', values: tl.map((p) => p.completed) }, { name: 'errors', color: '#b3261e', values: tl.map((p) => p.errors) }, { name: 'dropped', color: '#e37400', values: tl.map((p) => p.dropped) }])}
${lineChart('Latency', 'ms', [{ name: 'p50', color: '#1a73e8', values: tl.map((p) => p.p50) }, { name: 'p99', color: '#b3261e', values: tl.map((p) => p.p99) }])}
<h2>Latency (ms)</h2><table><tr><th></th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>
<tr><td>response</td><td>${s.latencyMs.p50}</td><td>${s.latencyMs.p90}</td><td>${s.latencyMs.p99}</td><td>${s.latencyMs.p999}</td><td>${s.latencyMs.max}</td></tr>
<tr><td>schedule lag</td><td>${s.lagMs.p50}</td><td>${s.lagMs.p90}</td><td>${s.lagMs.p99}</td><td>${s.lagMs.p999}</td><td>${s.lagMs.max}</td></tr></table>
<h2>Routes</h2><table><tr><th>route</th><th>method</th><th>requests</th><th>errors</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>${routes}</table>
<h2>Outcomes</h2><p>${esc(Object.entries(s.outcomes).map(([k, v]) => `${k}: ${v}`).join(' · '))}</p>
${faults ? `<h2>Faults</h2><table><tr><th>kind</th><th>injected</th><th>outcomes</th></tr>${faults}</table>` : ''}
${ths ? `<h2>Thresholds</h2><table><tr><th>result</th><th>scope</th><th>threshold</th><th>actual</th></tr>${ths}</table>` : ''}
</body></html>
`;
}
