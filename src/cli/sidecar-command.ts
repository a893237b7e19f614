import type { Command } from 'commander';
import { createLogger, loadSidecarConfig, type PlainObject, type SidecarConfig } from '../common/index.js';
import { createSidecar, type Sidecar } from '../proxy/index.js';
import { FlagCheck, withFlagNames } from './flag-check.js';
import { list, runCommand } from './run-command.js';
import { untilStopSignal } from './until-stop-signal.js';

export interface SidecarFlags {
  config?: string;
  listen?: string;
  primary?: string;
  secondary?: string;
  role?: string;
  service?: string;
  pod?: string;
  controller?: string;
  controllerToken?: string;
  controllerTokenFile?: string;
  mirror?: string;
  capture?: string;
  captureMode?: string;
  admin?: string;
  adminToken?: string;
  faultHeaderControl?: boolean;
  logLevel?: string;
}

/**
 * Flags shaped like the config file so they merge as the top layer. --mirror
 * is checked here, in the user's words; its problem goes to `check` (left
 * out of the config), to be listed with the config's own problems.
 */
export function flagsToConfig(f: SidecarFlags, check: FlagCheck = new FlagCheck()): PlainObject {
  const fraction = check.number('--mirror', f.mirror, { min: 0, max: 1 });
  return {
    listen: f.listen,
    primary: list(f.primary),
    secondary: f.secondary,
    role: f.role,
    service: f.service,
    pod: f.pod,
    controller: f.controller || f.controllerToken || f.controllerTokenFile ? { address: f.controller, token: f.controllerToken, tokenFile: f.controllerTokenFile } : undefined,
    mirror: { fraction },
    capture: { file: f.capture, mode: f.captureMode },
    admin: { listen: f.admin, token: f.adminToken },
    faults: f.faultHeaderControl ? { enabled: true, headerControl: true } : undefined,
    logLevel: f.logLevel,
  };
}

/** Starts a sidecar and stops it gracefully on SIGTERM/SIGINT; resolves when it has stopped. */
export async function runSidecarUntilSignal(config: SidecarConfig, onStarted?: (s: Sidecar) => void): Promise<void> {
  const log = createLogger(config.logLevel);
  const sidecar = createSidecar(config, { logger: log });
  // Only a sidecar that streams to a controller loads the gRPC code (never better-sqlite3: the module, not control/index).
  // Set up before the sidecar starts, so a bad token file stops nothing that is running.
  const telemetry = config.controller
    ? (await import('../control/grpc/sidecar-telemetry.js')).startSidecarTelemetry(sidecar, config, sidecar.metrics.registry)
    : undefined;
  await sidecar.start();
  onStarted?.(sidecar);
  // The sidecar's last windows go to the controller before the exporter closes (at most 5 s).
  await untilStopSignal(log, 'the drain', () => sidecar.stop().then(() => telemetry?.close(5_000)));
}

export function registerSidecarCommand(program: Command): void {
  program
    .command('sidecar')
    .description('run the sidecar proxy: forward to the primary, capture, mirror to the secondary, inject faults in drills')
    .option('--config <file>', 'YAML/JSON config file (flags win over it, env SHADOWTWIN_* in between)')
    .option('--listen <host:port>', 'data port (default 0.0.0.0:15001)')
    .option('--primary <urls>', 'primary host URL(s), comma-separated: the membership set')
    .option('--secondary <url>', 'mirror target (never a primary host)')
    .option('--role <role>', 'primary (default: shadow copies and generated load are refused, never forwarded) or secondary (this sidecar fronts the candidate and forwards them)')
    .option('--service <name>', 'the service this sidecar fronts: names the source of its telemetry windows (default "default")')
    .option('--pod <name>', 'this instance, in its telemetry windows (default: the host name, a Kubernetes pod\'s name)')
    .option('--controller <host:port>', 'stream telemetry windows (both sides) to this controller\'s gRPC address')
    .option('--controller-token <token>', 'bearer token the controller requires (prefer --controller-token-file)')
    .option('--controller-token-file <file>', 'read the controller token from the first line of this file')
    .option('--mirror <fraction>', 'share of eligible requests to mirror, 0..1 (default 0)')
    .option('--capture <file>', 'write request records to this NDJSON file (rotated by size)')
    .option('--capture-mode <mode>', 'meta (default) or full (redacted headers and capped bodies)')
    .option('--admin <host:port>', 'admin port for /metrics, /healthz, /membership (default 127.0.0.1:15000)')
    .option('--admin-token <token>', 'bearer token for the admin port (required off loopback)')
    .option('--fault-header-control', 'honour x-shadowtwin-fault-* request headers (drills only)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .action((flags: SidecarFlags) => runCommand(async () => {
      let config: SidecarConfig;
      const check = new FlagCheck();
      try {
        config = loadSidecarConfig({ file: flags.config, env: process.env, flags: flagsToConfig(flags, check) });
      } catch (err) {
        // A problem with a value the user typed as a flag names the flag, not the config key.
        throw withFlagNames(err, {
          listen: flags.listen && '--listen', primary: flags.primary && '--primary', secondary: flags.secondary && '--secondary', role: flags.role && '--role',
          service: flags.service && '--service', pod: flags.pod && '--pod',
          'controller.address': flags.controller && '--controller', 'controller.token': flags.controllerToken && '--controller-token', 'controller.tokenFile': flags.controllerTokenFile && '--controller-token-file',
          'mirror.fraction': flags.mirror && '--mirror', 'capture.file': flags.capture && '--capture', 'capture.mode': flags.captureMode && '--capture-mode',
          'admin.listen': flags.admin && '--admin', 'admin.token': flags.adminToken && '--admin-token', logLevel: flags.logLevel && '--log-level',
        }, check.problems);
      }
      check.done();
      await runSidecarUntilSignal(config, (s) => {
        process.stderr.write(`shadowtwin sidecar: proxy ${s.addresses.proxy} → ${config.primary.join(', ')}; admin ${s.addresses.admin}\n`);
      });
    }));
}
