import { EventEmitter } from 'node:events';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { EXIT, readJsonFile, requestRateQuery, ShadowtwinError, type ConfigIssue } from '../common/index.js';
import { findCapacity, parseScalerConfig, ScaleLoop, type CapacityTrial, type ScaleRecord, type ScalerConfig } from '../scaler/index.js';
import { FlagCheck } from './flag-check.js';
import { checkOutputs, writeOutput } from './output-paths.js';
import { list, runCommand } from './run-command.js';
import { loadTarget, SCALE_FLAG_NAMES, scalerConfigFromFlags, sloFlag, validationFromFlags, type ScaleFlags } from './scale-flags.js';

interface CapacityFlags { target: string; model?: string; path?: string; slo: string; startRate: string; maxRate: string; trial: string; replicas?: string; quiet?: boolean; json?: boolean }

/** A round as text: the proposal, why, and each validation run. */
function renderRound(r: ScaleRecord): string {
  return `${r.proposal.createdAt} ${r.proposal.target}: ${r.proposal.current} → ${r.proposal.replicas} (${r.decision}${r.applied ? `: ${r.applied}` : ''})\n  ${r.proposal.reason}\n${r.attempts.map((a) => `  validation at ${a.replicas}: ${a.pass ? 'pass' : `FAIL ${a.failed.join('; ')}`} (p99 ${a.summary.latencyMs.p99} ms, errors ${a.summary.errors}/${a.summary.requests})`).join('\n')}${r.attempts.length ? '\n' : ''}`;
}

export function registerScaleCommands(program: Command): void {
  program
    .command('scale')
    .description('forecast → propose → validate with synthetic load → apply (one round, or --watch)')
    .option('--input <file>', 'rate history: CSV (timestamp,value), a request model or a capture')
    .option('--prometheus <url>', 'or read the rate history from Prometheus (token in SHADOWTWIN_PROMETHEUS_TOKEN)')
    .option('--query <promql>', 'with --prometheus: the total request rate', requestRateQuery())
    .option('--since <d>', 'with --prometheus: history length', '7d')
    .option('--unit <unit>', 'what CSV values are: req/s (requests per second) or per-step (requests per step; converted)', 'req/s')
    .option('--step <d>', 'series step for a capture (default 1m) or for --prometheus (default 5m)')
    .requiredOption('--capacity <rps>', 'sustainable requests/s per replica (see shadowtwin capacity)')
    .option('--target <name>', 'what is being scaled (for records and metrics)', 'service')
    .option('--horizon <d>', 'forecast horizon', '1h')
    .option('--actuator <kind>', 'dry-run | kubernetes | membership | webhook', 'dry-run')
    .option('--current <n>', 'current replicas for dry-run/webhook')
    .option('--k8s-server <url>', 'kubernetes actuator: API server URL, bearer token in SHADOWTWIN_K8S_TOKEN (default: the kubeconfig or the pod\'s service account)')
    .option('--namespace <ns>', 'kubernetes actuator: namespace of the workload')
    .option('--deployment <name>', 'kubernetes actuator: the Deployment to scale')
    .option('--statefulset <name>', 'kubernetes actuator: or the StatefulSet to scale')
    .option('--no-hpa', 'scale directly even if an HPA manages the target')
    .option('--admin <url>', 'sidecar admin URL (membership actuator)').option('--pool <urls>', 'host URLs, in order (membership actuator)')
    .option('--webhook <url>', 'webhook actuator: POST {replicas, reason, at} here')
    .option('--validate-target <url>', 'secondary to validate proposals against (synthetic load before applying); its path and query are the request\'s (default /)')
    .option('--validate-path <path>', 'request path (and query) for validation load; overrides the --validate-target URL\'s')
    .option('--validate-model <model.json>', 'synthesise validation load from a request model instead')
    .option('--validate-admin <url>', 'secondary sidecar admin URL: its membership is set to the proposed size')
    .option('--validate-pool <urls>', 'secondary host URLs, in order')
    .option('--slo <list>', 'validation thresholds', 'p99 < 250ms,errors < 1%')
    .option('--validate-duration <d>', 'length of a validation run', '20s')
    .option('--attempts <n>', 'validation tries (one size up each time)', '3')
    .option('--lead-time <d>', 'time for a replica to become ready', '1m')
    .option('--utilization <x>', 'target utilisation', '0.7')
    .option('--min <n>', 'min replicas', '1').option('--max <n>', 'max replicas', '50')
    .option('--headroom <x>', 'initial headroom', '1.1')
    .option('--scale-in', 'allow scale-in on forecast alone')
    .option('--watch <interval>', 'run a round every interval, with feedback')
    .option('--metrics-listen <host:port>', 'with --watch: serve /metrics, /keda and /state (loopback unless a token is set)', '127.0.0.1:0')
    .option('--metrics-token <token>', 'bearer token the metrics endpoint requires (or SHADOWTWIN_METRICS_TOKEN); needed off loopback')
    .option('--state <file>', 'the loop\'s state (shadowtwin.scale-loop-state): restored from it if it exists, written after every round')
    .option('--json', 'JSON lines')
    .action((f: ScaleFlags) => runCommand(async () => {
      const c = new FlagCheck();
      if (f.input === undefined && f.prometheus === undefined) c.problem('give the rate history: --input FILE (CSV, model.json or capture) or --prometheus URL');
      if (f.input !== undefined && f.prometheus !== undefined) c.problem('give either --input or --prometheus, not both');
      const validation = validationFromFlags(c, f);
      let config: ScalerConfig | undefined;
      try {
        config = parseScalerConfig(scalerConfigFromFlags(f, process.env), { label: 'scale flags', names: SCALE_FLAG_NAMES });
      } catch (err) {
        // The config's problems join the flags' own, all reported at once in the user's words.
        if (!(err instanceof ShadowtwinError) || err.code !== 'ST_ERR_CONFIG_INVALID' || !Array.isArray(err.details)) throw err;
        for (const i of err.details as ConfigIssue[]) c.problem(`${i.path} ${i.message}${i.fix ? ` (${i.fix})` : ''}`);
      }
      c.done();
      if (f.state) checkOutputs({ '--state': f.state });
      const loop = ScaleLoop.fromConfig(config!, { validation, horizonText: f.horizon });
      if (f.state && existsSync(f.state)) loop.restoreState(readJsonFile(f.state, 'a scale loop state (scale --state)'), f.state);
      const print = (kind: string, data: unknown): void => {
        if (f.json) process.stdout.write(JSON.stringify({ [kind]: data }) + '\n');
        else if (kind === 'round') process.stdout.write(renderRound(data as ScaleRecord));
      };
      loop.on('warning', (w) => {
        process.stderr.write(`warning: ${w}\n`);
        if (f.json) process.stdout.write(JSON.stringify({ warning: { input: f.input ?? f.prometheus, message: w } }) + '\n');
      });
      loop.on('round', (r) => {
        print('round', r);
        if (f.state) writeOutput('--state', f.state, JSON.stringify(loop.exportState()) + '\n');
      });
      loop.on('feedback', (s) => print('feedback', s));
      if (!f.watch) {
        const r = await loop.round();
        return r.decision === 'rejected' ? EXIT.THRESHOLD_FAILED : EXIT.OK;
      }
      const m = await loop.serveMetrics(config!.metrics.listen, config!.metrics.token);
      process.stderr.write(`scaler metrics on ${m.url}/metrics, ${m.url}/keda and ${m.url}/state; a round every ${f.watch}; Ctrl-C stops\n`);
      loop.on('error', (e) => process.stderr.write(`round failed: ${e.message}\n`));
      loop.start();
      await new Promise<void>((resolve) => { process.once('SIGINT', () => resolve()); process.once('SIGTERM', () => resolve()); });
      loop.stop();
      await m.close();
      return EXIT.OK;
    }));

  program
    .command('capacity')
    .description('find the highest request rate that meets the SLO (ramps synthetic load, then bisects)')
    .requiredOption('--target <url>', 'the service to measure (never a primary host)')
    .option('--model <model.json>', 'synthesise the request mix from a model')
    .option('--path <path>', 'or one path (and query); default: the --target URL\'s, else /')
    .option('--slo <list>', 'thresholds', 'p99 < 250ms,errors < 1%')
    .option('--start-rate <n>', 'first trial rate', '10')
    .option('--max-rate <n>', 'stop here', '10000')
    .option('--trial <d>', 'length of each trial', '10s')
    .option('--replicas <n>', 'replicas behind the target (gives capacity per replica)')
    .option('--quiet', 'no progress lines on stderr')
    .option('--json', 'machine-readable result on stdout')
    .action((f: CapacityFlags) => runCommand(async () => {
      const c = new FlagCheck();
      const load = loadTarget(c, '--target', f.target, '--path', f.path, '--model', f.model);
      const slo = sloFlag(c, '--slo', f.slo);
      const startRate = c.number('--start-rate', f.startRate, { min: 0, positive: true });
      const maxRate = c.number('--max-rate', f.maxRate, { min: 0, positive: true });
      const trialMs = c.duration('--trial', f.trial, { positive: true });
      const replicas = c.number('--replicas', f.replicas, { min: 1, integer: true });
      if (startRate !== undefined && maxRate !== undefined && startRate > maxRate) c.problem(`--start-rate ${f.startRate} is above --max-rate ${f.maxRate}`);
      c.done();
      const events = new EventEmitter();
      if (!f.quiet) {
        // One line per trial (a trial lasts --trial): where the search is and what it found.
        events.on('trial-start', (t: { rate: number; index: number }) => process.stderr.write(`trial ${t.index + 1}: ${t.rate} req/s for ${f.trial}…\n`));
        events.on('trial', (t: CapacityTrial) => process.stderr.write(`  ${t.pass ? 'pass' : `FAIL ${t.failed.join('; ')}`}: achieved ${t.achievedRate} req/s, p99 ${t.p99} ms, errors ${(t.errorRate * 100).toFixed(2)}%\n`));
      }
      const result = await findCapacity({
        scenario: { target: load!.target, source: load!.source, primary: list(process.env.SHADOWTWIN_PRIMARY) ?? [] },
        slo, startRate: startRate!, maxRate: maxRate!, trialDuration: trialMs!, replicas,
      }, events);
      if (f.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else {
        process.stdout.write([
          `sustainable ${result.sustainableRate} req/s${result.perReplica ? ` (${result.perReplica} per replica)` : ''}; knee ${result.kneeRate} req/s`,
          'rate     pass  achieved   p50 ms    p99 ms   errors',
          ...[...result.trials].sort((a, b) => a.rate - b.rate).map((t) => `${String(t.rate).padEnd(9)}${(t.pass ? 'yes' : 'NO').padEnd(6)}${String(t.achievedRate).padStart(8)}${String(t.p50).padStart(9)}${String(t.p99).padStart(10)}${(t.errorRate * 100).toFixed(2).padStart(8)}%`),
          result.bottlenecks.length ? `degrades first: ${result.bottlenecks.slice(0, 3).map((b) => `${b.method} ${b.route} (p99 ×${b.growth})`).join(', ')}` : '',
        ].join('\n') + '\n');
      }
      if (result.sustainableRate === 0) {
        const first = result.trials[0];
        process.stderr.write(`shadowtwin: ST_ERR_THRESHOLDS_FAILED: even the first trial (--start-rate ${f.startRate} req/s) failed the SLO${first ? `: ${first.failed.join('; ')}` : ''}; no sustainable rate found (lower --start-rate, or fix the service)\n`);
        return EXIT.THRESHOLD_FAILED;
      }
      return EXIT.OK;
    }));
}
