import type { Comparison } from './compare.js';

/** The human table of a comparison: verdict, noise floor, and per route the percentiles, shift with its interval, p-value and error change. */
export function renderComparison(c: Comparison): string {
  const lines = [
    `verdict ${c.verdict.toUpperCase()}  score ${c.score}  noise floor (A/A) ${c.noiseFloor} ms${c.loadMismatch ? `  LOAD MISMATCH: base ${c.loadMismatch.base} req/s vs candidate ${c.loadMismatch.candidate} req/s (compare at matched rates)` : ''}`,
    '',
    'route                              method  verdict       base p50/p99 ms      cand p50/p99 ms   p99×   shift ms [CI]          p        errors Δ',
  ];
  for (const r of [c.total, ...c.routes]) {
    lines.push(`${(r.route === '*' ? 'TOTAL' : r.route).padEnd(35).slice(0, 35)}${r.method.padEnd(8)}${r.verdict.padEnd(12)}${`${r.base.p50}/${r.base.p99}`.padStart(18)}${`${r.candidate.p50}/${r.candidate.p99}`.padStart(21)}${String(r.ratios.p99).padStart(7)}${`${r.mannWhitney.shiftMs} [${r.mannWhitney.ci[0]}, ${r.mannWhitney.ci[1]}]`.padStart(24)}${String(r.mannWhitney.p).padStart(11)}${`${(r.errorRate.diff * 100).toFixed(2)}%`.padStart(10)}${r.loadMismatch ? '  (rates differ)' : ''}`);
  }
  return lines.join('\n') + '\n';
}

