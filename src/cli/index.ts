#!/usr/bin/env node
import { Command } from 'commander';
import { VERSION } from '../common/index.js';
import { registerDemoSidecarCommand } from './demo-sidecar-command.js';
import { registerSidecarCommand } from './sidecar-command.js';

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

registerSidecarCommand(program);
registerDemoSidecarCommand(program);

await program.parseAsync(process.argv);
