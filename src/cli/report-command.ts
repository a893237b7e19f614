import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ShadowtwinError } from '../common/index.js';
import { mergeReports, type RunReport } from '../generator/index.js';
import { renderSummary } from './render-summary.js';
import { runCommand } from './run-command.js';

export function registerReportCommand(program: Command): void {
  const report = program.command('report').description('work with run reports');
  report
    .command('merge')
    .description('merge run reports (e.g. --segment agents) exactly: counts add, histograms merge')
    .argument('<reports...>', 'JSON run reports')
    .option('-o, --out <file>', 'write the merged report here')
    .action((files: string[], flags: { out?: string }) => runCommand(async () => {
      const reports = files.map((f) => {
        try {
          return JSON.parse(readFileSync(f, 'utf8')) as RunReport;
        } catch (cause) {
          throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `cannot read report ${f}: ${(cause as Error).message}`, { cause });
        }
      });
      const merged = mergeReports(reports);
      if (flags.out) writeFileSync(flags.out, JSON.stringify(merged, null, 2) + '\n');
      process.stdout.write(renderSummary(merged));
    }));
}
