import type { Command } from 'commander';
import { readJsonFile, ShadowtwinError } from '../common/index.js';
import { checkRunReport, mergeReports, missingSegments, renderSummary } from '../generator/index.js';
import { checkOutputs, writeOutput } from './output-paths.js';
import { runCommand } from './run-command.js';

const readReport = (file: string): unknown => readJsonFile(file, 'a run report from shadowtwin generate --out');

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
