import type { Command } from 'commander';
import { EXIT } from '../common/index.js';
import { compareSides, loadSide, renderComparison } from '../scaler/index.js';
import { FlagCheck } from './flag-check.js';
import { runCommand } from './run-command.js';

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
      process.stdout.write(f.json ? JSON.stringify(result, null, 2) + '\n' : renderComparison(result));
      return result.verdict === 'pass' ? EXIT.OK : EXIT.THRESHOLD_FAILED;
    }));
}
