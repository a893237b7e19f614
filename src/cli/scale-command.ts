import { EventEmitter } from 'node:events';
import type { Command } from 'commander';
import { EXIT, parseDuration, ShadowtwinError } from '../common/index.js';
import { checkHorizon, describeSkips, forecastSeries, pointsPerSecond, seriesFromFile, staleHistoryWarning } from '../forecast/index.js';
import { csvUnit } from './forecast-command.js';
import { DryRunActuator, findCapacity, KubernetesActuator, MembershipActuator, ScaleLoop, WebhookActuator, type Actuator, type CapacityTrial } from '../scaler/index.js';
import { FlagCheck } from './flag-check.js';
import { list, runCommand } from './run-command.js';
import { loadTarget, sloFlag, validationFromFlags } from './scale-flags.js';

interface ScaleFlags {
  input: string; unit: string; step?: string; horizon: string; capacity: string; target: string; current?: string; actuator: string;
  k8sServer?: string; namespace?: string; deployment?: string; statefulset?: string; noHpa?: boolean;
  admin?: string; pool?: string; webhook?: string;
  validateTarget?: string; validatePath?: string; validateModel?: string; validatePool?: string; validateAdmin?: string; slo: string; validateDuration: string; attempts: string;
  leadTime: string; utilization: string; min: string; max: string; headroom: string; scaleIn?: boolean;
  watch?: string; metricsListen?: string; json?: boolean;
}

interface CapacityFlags { target: string; model?: string; path?: string; slo: string; startRate: string; maxRate: string; trial: string; replicas?: string; quiet?: boolean; json?: boolean }

function actuatorFrom(f: ScaleFlags): Actuator {
  switch (f.actuator) {
    case 'dry-run': return new DryRunActuator(Number(f.current ?? 1));
    case 'kubernetes': {
      const name = f.deployment ?? f.statefulset;
      if (!f.namespace || !name) throw new ShadowtwinError('ST_ERR_USAGE', '--actuator kubernetes needs --namespace and --deployment (or --statefulset); the cluster comes from the kubeconfig (in a pod: its service account), or --k8s-server with the token in SHADOWTWIN_K8S_TOKEN');
      return new KubernetesActuator({ ...(f.k8sServer ? { server: f.k8sServer, token: process.env.SHADOWTWIN_K8S_TOKEN } : {}), namespace: f.namespace, kind: f.deployment ? 'deployments' : 'statefulsets', name, respectHpa: !f.noHpa });
    }
    case 'membership':
      if (!f.admin || !f.pool) throw new ShadowtwinError('ST_ERR_USAGE', '--actuator membership needs --admin (the sidecar admin URL) and --pool (host URLs in order)');
      return new MembershipActuator(f.admin, list(f.pool)!, process.env.SHADOWTWIN_ADMIN_TOKEN);
    case 'webhook':
      if (!f.webhook) throw new ShadowtwinError('ST_ERR_USAGE', '--actuator webhook needs --webhook URL');
      return new WebhookActuator(f.webhook, Number(f.current ?? 1));
    default:
      throw new ShadowtwinError('ST_ERR_USAGE', `--actuator ${f.actuator}: use dry-run, kubernetes, membership or webhook`);
  }
}

export function registerScaleCommands(program: Command): void {
  program
    .command('scale')
    .description('forecast → propose → validate with synthetic load → apply (one round, or --watch)')
    .requiredOption('--input <file>', 'rate history: CSV (timestamp,value), a request model or a capture')
    .option('--unit <unit>', 'what CSV values are: req/s (requests per second) or per-step (requests per step; converted)', 'req/s')
    .option('--step <d>', 'series step for a capture', '1m')
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
    .option('--metrics-listen <host:port>', 'with --watch: serve /metrics and /keda', '127.0.0.1:0')
    .option('--json', 'JSON lines')
    .action((f: ScaleFlags) => runCommand(async () => {
      const horizonMs = parseDuration(f.horizon);
      if (!horizonMs) throw new ShadowtwinError('ST_ERR_USAGE', `--horizon ${f.horizon}: give a duration`);
      const validation = validationFromFlags(f);
      const unit = csvUnit(f.unit);
      const stepMs = parseDuration(f.step ?? '1m');
      if (!stepMs) throw new ShadowtwinError('ST_ERR_USAGE', `--step ${f.step}: give a duration such as 1m`);
      const actuator = actuatorFrom(f);
      const warned = new Set<string>();
      const loop = new ScaleLoop({
        target: f.target, capacityPerReplica: Number(f.capacity), actuator, validation, intervalMs: parseDuration(f.watch ?? '1m') ?? 60_000,
        policy: { leadTimeMs: parseDuration(f.leadTime) ?? 60_000, targetUtilization: Number(f.utilization), minReplicas: Number(f.min), maxReplicas: Number(f.max), headroom: Number(f.headroom), scaleInOnForecast: f.scaleIn === true },
        forecast: async () => {
          const { series, skips } = await seriesFromFile(f.input, { csvUnit: unit, stepMs });
          if (skips?.total) process.stderr.write(`skipped ${skips.total} row(s) of ${f.input}: ${describeSkips(skips)}\n`);
          const warnings = [...(skips?.warnings ?? [])];
          const stale = staleHistoryWarning(series, Date.now());
          if (stale) warnings.push(stale);
          // Said once (a --watch loop re-reads the file every round).
          for (const w of warnings.filter((x) => !warned.has(x))) {
            warned.add(w);
            process.stderr.write(`warning: ${w}\n`);
            if (f.json) process.stdout.write(JSON.stringify({ warning: { input: f.input, message: w } }) + '\n');
          }
          const steps = Math.max(1, Math.round(horizonMs / series.stepMs));
          checkHorizon(steps, series, f.horizon);
          const r = await forecastSeries(series, { horizon: steps });
          // Plan on the forecast's own clock: its first point is "the next step" after the history.
          const shift = Date.now() - r.points[0]!.ts + series.stepMs;
          // Capacity is per second: so is what the policy sees.
          return pointsPerSecond(r).map((p) => ({ ts: p.ts + shift, point: p.point, upper: p.upper }));
        },
      });
      const print = (kind: string, data: unknown): void => {
        if (f.json) process.stdout.write(JSON.stringify({ [kind]: data }) + '\n');
        else if (kind === 'round') {
          const r = data as import('../scaler/index.js').ScaleRecord;
          process.stdout.write(`${r.proposal.createdAt} ${r.proposal.target}: ${r.proposal.current} → ${r.proposal.replicas} (${r.decision}${r.applied ? `: ${r.applied}` : ''})\n  ${r.proposal.reason}\n${r.attempts.map((a) => `  validation at ${a.replicas}: ${a.pass ? 'pass' : `FAIL ${a.failed.join('; ')}`} (p99 ${a.summary.latencyMs.p99} ms, errors ${a.summary.errors}/${a.summary.requests})`).join('\n')}${r.attempts.length ? '\n' : ''}`);
        }
      };
      loop.on('round', (r) => print('round', r));
      loop.on('feedback', (s) => print('feedback', s));
      if (!f.watch) {
        const r = await loop.round();
        return r.decision === 'rejected' ? 4 : 0;
      }
      const [host, port] = f.metricsListen!.split(':');
      const m = await loop.serveMetrics(host, Number(port));
      process.stderr.write(`scaler metrics on ${m.url}/metrics and ${m.url}/keda; a round every ${f.watch}; Ctrl-C stops\n`);
      loop.on('error', (e: Error) => process.stderr.write(`round failed: ${e.message}\n`));
      loop.start();
      await new Promise<void>((resolve) => { process.once('SIGINT', () => resolve()); process.once('SIGTERM', () => resolve()); });
      loop.stop();
      m.server.close();
      return 0;
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
