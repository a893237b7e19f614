import type { Command } from 'commander';
import { EXIT } from '../common/index.js';
import { compareSides, loadSide, type Comparison } from '../scaler/index.js';
import { FlagCheck } from './flag-check.js';
import { runCommand } from './run-command.js';

function render(c: Comparison): string {
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

export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('compare latency histograms of two runs (or primary vs secondary); exit 4 on a significant regression')
    .argument('<base>', 'run report, sidecar /histograms dump (FILE#primary|FILE#secondary) or a live admin URL (http://127.0.0.1:15000#primary)')
    .argument('[candidate]', 'the same kinds; default: the base dump\'s secondary side')
    .option('--alpha <p>', 'significance level', '0.05')
    .option('--min-shift <d>', 'shifts below this never fail', '1ms')
    .option('--min-shift-ratio <x>', 'nor below this share of the base median', '0.05')
    .option('--max-error-increase <pct>', 'error-rate increase that fails (percentage points)', '1')
    .option('--rate-tolerance <x>', 'flag request rates differing by more than this share', '0.2')
    .option('--json', 'machine-readable')
    .action((baseSpec: string, candSpec: string | undefined, f: { alpha: string; minShift: string; minShiftRatio: string; maxErrorIncrease: string; rateTolerance: string; json?: boolean }) => runCommand(async () => {
      const c = new FlagCheck();
      const alpha = c.number('--alpha', f.alpha, { min: 0, max: 1 });
      const minShiftMs = c.duration('--min-shift', f.minShift);
      const minShiftRatio = c.number('--min-shift-ratio', f.minShiftRatio, { min: 0 });
      const maxErrorIncrease = c.number('--max-error-increase', f.maxErrorIncrease, { min: 0, max: 100 });
      const rateTolerance = c.number('--rate-tolerance', f.rateTolerance, { min: 0 });
      c.done();
      const token = process.env.SHADOWTWIN_ADMIN_TOKEN;
      const base = await loadSide(baseSpec.includes('#') || candSpec ? baseSpec : `${baseSpec}#primary`, token);
      const cand = await loadSide(candSpec ?? `${baseSpec.split('#')[0]}#secondary`, token);
      const result = compareSides(base, cand, {
        alpha: alpha!, minShiftMs: minShiftMs!, minShiftRatio: minShiftRatio!, maxErrorIncrease: maxErrorIncrease! / 100, rateTolerance: rateTolerance!,
      });
      process.stdout.write(f.json ? JSON.stringify(result, null, 2) + '\n' : render(result));
      return result.verdict === 'pass' ? EXIT.OK : EXIT.THRESHOLD_FAILED;
    }));
}
