import type { Command } from 'commander';
import { createLogger } from '../common/index.js';
import { Controller, loadControllerConfig, readTokenFile, type ControllerConfig } from '../control/index.js';
import { withFlagNames } from './flag-check.js';
import { runCommand } from './run-command.js';
import { untilStopSignal } from './until-stop-signal.js';

interface ControllerFlags {
  config?: string; grpc?: string; http?: string; data?: string; token?: string; tokenFile?: string;
  tlsCert?: string; tlsKey?: string; window?: string; unknownServices?: string; logLevel?: string;
}

export function registerControllerCommand(program: Command): void {
  program
    .command('controller')
    .description('run the controller: sidecars stream windows to it; it keeps the fleet view, forecasts (refit on drift), stores everything and serves an API')
    .option('--config <file>', 'YAML/JSON controller config (services, forecast, retention); flags win over it')
    .option('--grpc <host:port>', 'gRPC listener for telemetry and the API (default 127.0.0.1:7070)')
    .option('--http <host:port>', 'HTTP listener: /healthz, /metrics, /api/v1/… (default 127.0.0.1:7080)')
    .option('--data <dir>', 'data directory (SQLite store; one controller per directory; default ./shadowtwin-data)')
    .option('--token <token>', 'bearer token for both listeners (required off loopback; prefer --token-file)')
    .option('--token-file <file>', 'read the bearer token from the first line of this file')
    .option('--tls-cert <file>', 'serve gRPC over TLS with this certificate chain (PEM)')
    .option('--tls-key <file>', 'the TLS private key (PEM)')
    .option('--window <duration>', 'the sidecars\' window period (their capture.window; default 10s): a pod silent for three of them is gone')
    .option('--unknown-services <mode>', 'register (default) or refuse windows of services not in the config')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .action((f: ControllerFlags) => runCommand(async () => {
      const token = f.tokenFile ? readTokenFile(f.tokenFile, '--token-file') : f.token;
      let config: ControllerConfig;
      try {
        config = loadControllerConfig({
          file: f.config, env: process.env,
          flags: {
            grpc: f.grpc, http: f.http, data: f.data, token, windowMs: f.window, unknownServices: f.unknownServices, logLevel: f.logLevel,
            tls: f.tlsCert || f.tlsKey ? { cert: f.tlsCert, key: f.tlsKey } : undefined,
          },
        });
      } catch (err) {
        throw withFlagNames(err, {
          grpc: f.grpc && '--grpc', http: f.http && '--http', data: f.data && '--data', token: (f.token || f.tokenFile) && (f.tokenFile ? '--token-file' : '--token'),
          windowMs: f.window && '--window', unknownServices: f.unknownServices && '--unknown-services', 'tls.cert': f.tlsCert && '--tls-cert', 'tls.key': f.tlsKey && '--tls-key', logLevel: f.logLevel && '--log-level',
        }, []);
      }
      const log = createLogger(config.logLevel);
      const c = await Controller.start({ config, logger: log });
      process.stderr.write(`shadowtwin controller: grpc ${c.addresses.grpc}  http ${c.addresses.http}  data ${c.store.file}${config.token ? '  (token required)' : ''}\n`);
      await untilStopSignal(log, 'the controller', () => c.stop());
    }));
}
