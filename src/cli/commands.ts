import { Command } from 'commander';
import { VERSION } from '../common/version.js';

/**
 * Each command's module is imported only when that command runs: importing
 * every component (undici, the forecaster's WASM glue, the scaler…) cost
 * ~0.6 s of start-up for every invocation. `--help` and unknown commands
 * load them all, so the full help and commander's "did you mean" still work.
 */
export const COMMANDS: Record<string, (p: Command) => Promise<void>> = {
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
  controller: async (p) => (await import('./controller-command.js')).registerControllerCommand(p),
  ctl: async (p) => (await import('./ctl-command.js')).registerCtlCommand(p),
};

/** Every environment variable shadowtwin reads (a test checks the code reads no other). */
const ENVIRONMENT = `
Environment (flags win over these; docs/sidecar.md):
  SHADOWTWIN_LISTEN, SHADOWTWIN_PRIMARY, SHADOWTWIN_SECONDARY,
  SHADOWTWIN_ADMIN_LISTEN, SHADOWTWIN_ADMIN_TOKEN, SHADOWTWIN_CAPTURE_FILE,
  SHADOWTWIN_CAPTURE_MODE, SHADOWTWIN_CAPTURE_SALT, SHADOWTWIN_MIRROR_FRACTION
                               sidecar settings (config keys listen, primary, …);
                               SHADOWTWIN_PRIMARY is also never a load target, and
                               SHADOWTWIN_ADMIN_TOKEN is sent to admin ports
  SHADOWTWIN_LOG_LEVEL         fatal|error|warn|info|debug|trace|silent
  SHADOWTWIN_PROMETHEUS_TOKEN  bearer token for --prometheus
  SHADOWTWIN_METRICS_TOKEN     required for generate --metrics and scale --metrics-listen off loopback
  SHADOWTWIN_K8S_TOKEN         bearer token for scale --k8s-server
  SHADOWTWIN_CONTROLLER_TOKEN  controller and ctl: the bearer token (like --token)
  SHADOWTWIN_CONTROLLER_URL    ctl: the controller's HTTP address (like --controller)
`;

/** The program with the commands `wanted` needs (all of them when it names none). */
export async function buildProgram(wanted?: string): Promise<Command> {
  const program = new Command();
  program
    .name('shadowtwin')
    .description('Sidecar and traffic-shadowing toolkit: capture, mirror, profile, forecast, generate, compare, scale.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', ENVIRONMENT)
    .exitOverride((err) => {
      // Usage errors exit 2 (the table in docs/errors.md); help/version exit 0.
      process.exit(err.exitCode === 0 ? 0 : 2);
    });
  if (wanted !== undefined && Object.hasOwn(COMMANDS, wanted)) {
    await COMMANDS[wanted]!(program);
  } else {
    // Registration order is the help's order; scale-command registers both scale and capacity.
    for (const name of Object.keys(COMMANDS).filter((n) => n !== 'capacity')) await COMMANDS[name]!(program);
  }
  return program;
}
