import type { Command } from 'commander';
import type { Server } from 'node:http';
import { loadSidecarConfig, parseHostPort, ShadowtwinError } from '../common/index.js';
import { createSampleUpstream, listenOn } from '../demo/sample-upstream.js';
import { runSidecarUntilSignal } from './sidecar-command.js';
import { runCommand } from './run-command.js';

/**
 * What `npm start` runs until the full demo exists: two sample services
 * (primary and secondary) on loopback and a sidecar in front of the primary
 * mirroring half the traffic, capturing to ./shadowtwin-capture.ndjson.
 */
/**
 * The docs' examples talk to 127.0.0.1:8080 and :8081; when a default port is
 * taken (8080 often is), the sample takes a free one and says so, instead of
 * `npm start` failing. A port given on the command line is a must.
 */
async function listenSample(server: Server, address: string, flag: string, given: boolean): Promise<string> {
  const hp = parseHostPort(address);
  if (!hp) throw new ShadowtwinError('ST_ERR_USAGE', `${flag} ${address}: give HOST:PORT, e.g. 127.0.0.1:8080`);
  try {
    return await listenOn(server, hp.port, hp.host);
  } catch (err) {
    if (!given && (err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      const url = await listenOn(server, 0, hp.host);
      process.stderr.write(`${address} is in use: the sample service listens on ${url.slice('http://'.length)} instead (the docs' examples use ${address}; choose with ${flag})\n`);
      return url;
    }
    throw new ShadowtwinError('ST_ERR_LISTEN_FAILED', `cannot listen on ${address} for the sample service: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; choose another with ${flag} (port 0 picks a free one)`, { cause: err });
  }
}

export function registerDemoSidecarCommand(program: Command): void {
  program
    .command('demo-sidecar')
    .description('start a sample primary and secondary on loopback and a sidecar in front of them (what npm start runs)')
    .option('--listen <host:port>', 'data port', '127.0.0.1:15001')
    .option('--admin <host:port>', 'admin port', '127.0.0.1:15000')
    .option('--capture <file>', 'capture file', 'shadowtwin-capture.ndjson')
    .option('--primary-listen <host:port>', 'the sample primary (the docs\' 127.0.0.1:8080; port 0 picks one)', '127.0.0.1:8080')
    .option('--secondary-listen <host:port>', 'the sample secondary (the docs\' 127.0.0.1:8081; port 0 picks one)', '127.0.0.1:8081')
    .action((flags: { listen: string; admin: string; capture: string; primaryListen: string; secondaryListen: string }, cmd: Command) => runCommand(async () => {
      const given = (name: string): boolean => cmd.getOptionValueSource(name) !== 'default';
      const primary = createSampleUpstream({ name: 'primary' });
      const secondary = createSampleUpstream({ name: 'secondary', baseLatencyMs: 3 });
      // Whatever fails to start, nothing stays listening (the process would hang).
      try {
        const primaryUrl = await listenSample(primary, flags.primaryListen, '--primary-listen', given('primaryListen'));
        const secondaryUrl = await listenSample(secondary, flags.secondaryListen, '--secondary-listen', given('secondaryListen'));
        const config = loadSidecarConfig({
          env: process.env,
          flags: {
            listen: flags.listen, admin: { listen: flags.admin },
            primary: [primaryUrl], secondary: secondaryUrl,
            mirror: { fraction: 0.5 }, capture: { file: flags.capture },
          },
        });
        await runSidecarUntilSignal(config, (s) => {
          const p = s.addresses.proxy;
          process.stdout.write([
            'shadowtwin demo (sidecar beside a sample upstream; the full loop demo comes with the control plane)',
            `  sample primary   ${primaryUrl}`,
            `  sample secondary ${secondaryUrl}  (50% of GETs mirrored)`,
            `  sidecar          ${p}   admin ${s.addresses.admin}`,
            `  capture          ${flags.capture}`,
            '',
            'Try:',
            `  curl ${p}/users/42`,
            `  curl -X POST -d '{"item":1}' -H 'content-type: application/json' ${p}/checkout`,
            `  curl ${s.addresses.admin}/metrics | grep shadowtwin_`,
            `  curl ${s.addresses.admin}/histograms`,
            'Ctrl-C drains and stops.',
            '',
          ].join('\n'));
        });
      } finally {
        primary.close();
        secondary.close();
      }
    }));
}
