import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { EXIT, ShadowtwinError, type PlainObject } from '../common/index.js';
import { loadScenario, parseFaultSpec, prepareRun, renderHtmlReport, startGeneratorMetrics, type Progress, type RunReport } from '../generator/index.js';
import { list, numberOrText, runCommand } from './run-command.js';
import { renderSummary } from './render-summary.js';

interface GenerateFlags {
  target?: string;
  scenario?: string;
  rate?: string;
  duration?: string;
  executor?: string;
  path?: string;
  method?: string;
  body?: string;
  replay?: string;
  captureMix?: string;
  speed?: string;
  vus?: string;
  faults?: string;
  threshold?: string[];
  seed?: string;
  segment?: string;
  maxRate?: string;
  connections?: string;
  maxInFlight?: string;
  http2?: boolean;
  insecure?: boolean;
  ca?: string;
  metrics?: string;
  out?: string;
  html?: string;
  quiet?: boolean;
}

/** Flags shaped like a scenario, so they merge over a scenario file (flags win). */
function flagsToScenario(f: GenerateFlags): PlainObject {
  const executor = f.executor ?? (f.replay ? 'replay' : f.vus ? 'concurrency' : f.rate ? 'constant-rate' : undefined);
  const source = f.replay ? { kind: 'replay', file: f.replay } : f.captureMix ? { kind: 'capture-mix', file: f.captureMix } : f.path ? { kind: 'fixed', path: f.path, method: f.method, body: f.body } : undefined;
  let faults: unknown;
  if (f.faults) {
    const parsed = parseFaultSpec(f.faults);
    if (typeof parsed === 'string') throw new ShadowtwinError('ST_ERR_USAGE', `--faults: ${parsed}`);
    faults = parsed;
  }
  return {
    target: f.target,
    duration: f.duration,
    seed: numberOrText(f.seed),
    load: executor || f.rate || f.speed || f.vus ? { executor, rate: numberOrText(f.rate), speed: numberOrText(f.speed), vus: numberOrText(f.vus) } : undefined,
    source,
    faults,
    thresholds: f.threshold,
    maxRate: numberOrText(f.maxRate),
    http: f.connections || f.maxInFlight || f.http2 || f.insecure || f.ca
      ? { connections: numberOrText(f.connections), maxInFlight: numberOrText(f.maxInFlight), http2: f.http2, insecure: f.insecure, ca: f.ca }
      : undefined,
  };
}

function parseSegment(text: string | undefined): { index: number; count: number } | undefined {
  if (!text) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m || Number(m[1]) >= Number(m[2])) throw new ShadowtwinError('ST_ERR_USAGE', `--segment "${text}": write i/n with 0 ≤ i < n, e.g. --segment 0/4`);
  return { index: Number(m[1]), count: Number(m[2]) };
}

function progressLine(p: Progress): string {
  const pct = Math.min(100, (100 * p.elapsedMs) / p.durationMs).toFixed(0);
  return `${(p.elapsedMs / 1000).toFixed(0)}s/${(p.durationMs / 1000).toFixed(0)}s ${pct}%  rate ${p.achievedRate.toFixed(0)}/${p.intendedRate.toFixed(0)} req/s  p50 ${p.p50}ms p99 ${p.p99}ms  errors ${p.errors}  dropped ${p.dropped}  in-flight ${p.inFlight}${p.multiplier !== 1 ? `  ×${p.multiplier}` : ''}`;
}

export function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description('send open-model load (or replay captured traffic) to the secondary, with honest latency')
    .option('--target <url>', 'the secondary (never a primary host)')
    .option('--scenario <file>', 'scenario YAML (flags override it)')
    .option('--rate <n>', 'requests per second (constant-rate unless --executor)')
    .option('--duration <d>', 'e.g. 30s, 5m')
    .option('--executor <name>', 'constant-rate | poisson | ramping-rate | step | peak-valley | forecast | replay | concurrency')
    .option('--path <path>', 'request path for a fixed source, e.g. /users/1')
    .option('--method <m>', 'method for a fixed source')
    .option('--body <text>', 'body for a fixed source')
    .option('--replay <capture>', 'replay a capture at its own timing (× --speed)')
    .option('--capture-mix <capture>', 'sample requests from a capture at --rate')
    .option('--speed <x>', 'replay speed factor (2 = twice as fast)')
    .option('--vus <n>', 'closed model: n concurrent loops (for comparison only)')
    .option('--faults <spec>', 'request faults, e.g. "delay:10%:200ms,timeout:5%:50ms,duplicate:2%:3,abort:1%,churn:5%"')
    .option('--threshold <expr>', 'pass/fail, repeatable: "p99 < 300ms", "errors < 1%"', (v: string, acc: string[] = []) => [...acc, v])
    .option('--seed <n>', 'same seed, same request sequence')
    .option('--segment <i/n>', 'run exactly share i of n of the schedule (distributed agents)')
    .option('--max-rate <n>', 'raise the hard rate cap (default 10000 req/s)')
    .option('--connections <n>', 'connections to the target')
    .option('--max-in-flight <n>', 'outstanding requests before arrivals are dropped (counted)')
    .option('--http2', 'offer HTTP/2 (https targets, negotiated by ALPN)')
    .option('--insecure', 'accept any TLS certificate (self-signed test secondaries)')
    .option('--ca <file>', 'PEM CA bundle to trust for the target')
    .option('--metrics <addr>', 'serve Prometheus metrics while running, e.g. 127.0.0.1:9465 (loopback unless SHADOWTWIN_METRICS_TOKEN is set)')
    .option('--out <file>', 'write the JSON report here (default: print the summary only)')
    .option('--html <file>', 'write a self-contained HTML report here')
    .option('--quiet', 'no progress output')
    .action((flags: GenerateFlags) => runCommand(async () => {
      const scenario = loadScenario(flags.scenario, flagsToScenario(flags));
      const prepared = await prepareRun(scenario, { primary: list(process.env.SHADOWTWIN_PRIMARY), segment: parseSegment(flags.segment), scenarioFile: flags.scenario });
      if (prepared.skipped && prepared.skipped.total > 0) {
        const s = prepared.skipped;
        process.stderr.write(`skipped ${s.total} unusable capture lines (${Object.entries(s.byReason).map(([k, v]) => `${k}: ${v}`).join(', ')}); first at line ${s.examples[0]?.line}\n`);
      }
      const metrics = flags.metrics ? await startGeneratorMetrics(prepared.run, flags.metrics, process.env.SHADOWTWIN_METRICS_TOKEN) : undefined;
      if (metrics && !flags.quiet) process.stderr.write(`metrics: ${metrics.url}\n`);
      const tty = process.stderr.isTTY === true;
      if (!flags.quiet) {
        prepared.run.on('progress', (p: Progress) => {
          if (tty) process.stderr.write(`\r\x1b[K${progressLine(p)}`);
          else process.stderr.write(JSON.stringify({ progress: p }) + '\n');
        });
      }
      let interrupted = false;
      const onSigint = (): void => {
        if (interrupted) process.exit(EXIT.INTERRUPTED);
        interrupted = true;
        process.stderr.write('\nstopping: waiting for in-flight requests, then writing the report (Ctrl-C again to abort)\n');
        prepared.run.stop();
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigint);
      const report: RunReport = await prepared.execute().finally(() => metrics?.close());
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
      if (tty && !flags.quiet) process.stderr.write('\n');
      if (flags.out) writeFileSync(flags.out, JSON.stringify(report, null, 2) + '\n');
      if (flags.html) writeFileSync(flags.html, renderHtmlReport(report));
      process.stdout.write(renderSummary(report));
      if (!report.pass) {
        process.stderr.write(`shadowtwin: ST_ERR_THRESHOLDS_FAILED: ${report.thresholds.filter((t) => !t.pass).map((t) => `${t.route ? t.route + ' ' : ''}${t.expr} (actual ${t.actual})`).join('; ')}\n`);
        return EXIT.THRESHOLD_FAILED;
      }
      return EXIT.OK;
    }));
}
