#!/usr/bin/env -S node --max-semi-space-size=4
// The flag: a 4 MiB young-generation semi-space (V8's default is 16 MiB) keeps
// a sidecar under load ~20 MB smaller at no measurable CPU cost (bench/proxy.ts).
// It must be set at process start, hence the shebang (`env -S`, coreutils ≥ 8.30).
import { Command } from 'commander';
import { VERSION } from '../common/version.js';

/**
 * Each command's module is imported only when that command runs: importing
 * every component (undici, the forecaster's WASM glue, the scaler…) cost
 * ~0.6 s of start-up for every invocation. `--help` and unknown commands
 * load them all, so the full help and commander's "did you mean" still work.
 */
const COMMANDS: Record<string, (p: Command) => Promise<void>> = {
  sidecar: async (p) => (await import('./sidecar-command.js')).registerSidecarCommand(p),
  'demo-sidecar': async (p) => (await import('./demo-sidecar-command.js')).registerDemoSidecarCommand(p),
  generate: async (p) => (await import('./generate-command.js')).registerGenerateCommand(p),
  report: async (p) => (await import('./report-command.js')).registerReportCommand(p),
  profile: async (p) => (await import('./profile-command.js')).registerProfileCommand(p),
  forecast: async (p) => (await import('./forecast-command.js')).registerForecastCommand(p),
  compare: async (p) => (await import('./compare-command.js')).registerCompareCommand(p),
  scale: async (p) => (await import('./scale-command.js')).registerScaleCommands(p),
  capacity: async (p) => (await import('./scale-command.js')).registerScaleCommands(p),
  cost: async (p) => (await import('./cost-command.js')).registerCostCommand(p),
};

const program = new Command();
program
  .name('shadowtwin')
  .description('Sidecar and traffic-shadowing toolkit: capture, mirror, profile, forecast, generate, compare, scale.')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride((err) => {
    // Usage errors exit 2 (the table in docs/errors.md); help/version exit 0.
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

const wanted = process.argv[2];
if (wanted !== undefined && Object.hasOwn(COMMANDS, wanted)) {
  await COMMANDS[wanted]!(program);
} else {
  // Registration order is the help's order; scale-command registers both scale and capacity.
  for (const name of Object.keys(COMMANDS).filter((n) => n !== 'capacity')) await COMMANDS[name]!(program);
}

await program.parseAsync(process.argv);
