import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ShadowtwinError } from '../common/index.js';
import { checkRunReport, mergeReports, missingSegments } from '../generator/index.js';
import { checkOutputs, writeOutput } from './output-paths.js';
import { renderSummary } from './render-summary.js';
import { runCommand } from './run-command.js';

function readReport(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `cannot read report ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file} is not JSON (${(cause as Error).message}); expected a run report from shadowtwin generate --out`, { cause });
  }
}

export function registerReportCommand(program: Command): void {
  const report = program.command('report').description('work with run reports');
  report
    .command('merge')
    .description('merge run reports (e.g. --segment agents) exactly: counts add, histograms merge')
    .argument('<reports...>', 'JSON run reports')
    .option('-o, --out <file>', 'write the merged report here')
    .action((files: string[], flags: { out?: string }) => runCommand(async () => {
      checkOutputs({ '--out': flags.out });
      if (flags.out && files.includes(flags.out)) throw new ShadowtwinError('ST_ERR_USAGE', `--out ${flags.out} is also an input; write the merged report to a new file`);
      const reports = files.map((f) => checkRunReport(readReport(f), f));
      const merged = mergeReports(reports, undefined, files);
      const missing = missingSegments(reports);
      if (missing.length) process.stderr.write(`warning: segment${missing.length === 1 ? '' : 's'} ${missing.join(', ')} missing: the merged report covers ${reports.length} of ${missing.length + reports.length} shares of the run, and its rates are those shares' only\n`);
      if (flags.out) writeOutput('--out', flags.out, JSON.stringify(merged, null, 2) + '\n');
      process.stdout.write(renderSummary(merged));
    }));
}
