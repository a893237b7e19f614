import type { Command } from 'commander';
import { EXIT, ShadowtwinError, type PlainObject } from '../common/index.js';
import {
  attachHtmlReport, attachProgress, attachSummary, loadScenario, splitPrimaryList, parseFaultSpec, parseThreshold, prepareRun, startGeneratorMetrics, unansweredRun, type RunReport,
} from '../generator/index.js';
import { FlagCheck } from './flag-check.js';
import { checkOutputs, writeOutput } from './output-paths.js';
import { runCommand } from './run-command.js';

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
  model?: string;
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

const EXECUTOR_FLAGS = ['constant-rate', 'poisson', 'ramping-rate', 'step', 'peak-valley', 'forecast', 'replay', 'sessions', 'concurrency'] as const;
const FILE_ONLY: Record<string, string> = { 'ramping-rate': 'stages', step: 'steps', forecast: 'points' };

/**
 * Flags shaped like a scenario, so they merge over a scenario file (flags
 * win). Every flag is checked here first, in the user's words (`--rate must
 * be a number above 0, got "fast"`), and without a scenario file the flags
 * must say everything a run needs (`--rate is required …`).
 */
export function flagsToScenario(f: GenerateFlags): PlainObject {
  const c = new FlagCheck();
  const target = c.target('--target', f.target);
  const rate = c.number('--rate', f.rate, { min: 0, positive: true });
  const speed = c.number('--speed', f.speed, { min: 0, positive: true });
  const vus = c.number('--vus', f.vus, { min: 0, positive: true, integer: true });
  const seed = c.number('--seed', f.seed, { integer: true });
  const maxRate = c.number('--max-rate', f.maxRate, { min: 0, positive: true });
  const connections = c.number('--connections', f.connections, { min: 0, positive: true, integer: true });
  const maxInFlight = c.number('--max-in-flight', f.maxInFlight, { min: 0, positive: true, integer: true });
  const duration = c.duration('--duration', f.duration, { positive: true });
  const path = c.path('--path', f.path);
  c.method('--method', f.method);
  if (f.executor !== undefined && !(EXECUTOR_FLAGS as readonly string[]).includes(f.executor)) c.problem(`--executor must be one of ${EXECUTOR_FLAGS.join(', ')}, got "${f.executor}"`);
  const given = ([['--replay', f.replay], ['--capture-mix', f.captureMix], ['--model', f.model]] as const).filter(([, v]) => v !== undefined);
  if (given.length > 1) c.problem(`${given.map(([k]) => k).join(' and ')} are alternatives: give one`);
  const other = given[0]?.[0];
  if (other && path) c.problem(`--path sets one fixed request, but ${other} sends its own paths: give one`);
  if (other && target?.path) c.problem(`--target ${f.target} has a path, but ${other} sends its own paths: give the target as ${target.origin}`);
  // Over a scenario file, --rate/--speed change its load, not its executor (a poisson scenario stays poisson).
  const executor = f.executor ?? (f.replay ? 'replay' : vus !== undefined ? 'concurrency' : f.scenario ? undefined : 'constant-rate');
  if (!f.scenario) {
    c.required('--target', f.target, 'the secondary to send load to, e.g. --target http://127.0.0.1:8080/api/items');
    const ex = executor ?? 'constant-rate';
    if (FILE_ONLY[ex]) c.problem(`--executor ${ex} needs a --scenario file: its ${FILE_ONLY[ex]} cannot be given as flags`);
    else if (ex === 'concurrency') c.required('--vus', f.vus, 'concurrent loops, e.g. --vus 10');
    else if (ex === 'replay') c.required('--replay', f.replay, '--executor replay replays a capture: --replay capture.ndjson');
    else if (f.rate === undefined) c.problem(`--rate is required (${ex === 'sessions' ? 'session starts' : 'requests'} per second, e.g. --rate 100; or --vus N, --replay FILE or a --scenario file)`);
    if (ex === 'sessions' && f.model === undefined) c.problem('--executor sessions walks a request model: give --model model.json');
    if (f.duration === undefined && !(ex === 'replay')) c.problem('--duration is required (e.g. --duration 30s; only --replay takes it from the capture)');
  }
  let faults: unknown;
  if (f.faults !== undefined) {
    const parsed = parseFaultSpec(f.faults);
    if (typeof parsed === 'string') c.problem(`--faults: ${parsed}`);
    else faults = parsed;
  }
  for (const t of f.threshold ?? []) {
    const parsed = parseThreshold(t);
    if (typeof parsed === 'string') c.problem(`--threshold: ${parsed}`);
  }
  c.done();
  // The request path: --path, else the --target URL's path and query, else / (unless a scenario file gives the source).
  // A path from the URL over a scenario file sets only the path: the file's source kind stands, and is checked after loading.
  const fixedPath = path ?? target?.path ?? (f.scenario ? undefined : '/');
  const source = f.replay ? { kind: 'replay', file: f.replay }
    : f.captureMix ? { kind: 'capture-mix', file: f.captureMix }
      : f.model ? { kind: 'model', file: f.model }
        : f.scenario && !path && target?.path ? { path: target.path, method: f.method, body: f.body }
          : fixedPath ? { kind: 'fixed', path: fixedPath, method: f.method, body: f.body } : undefined;
  return {
    target: target?.origin,
    duration,
    seed,
    load: executor || rate !== undefined || speed !== undefined || vus !== undefined ? { executor, rate, speed, vus } : undefined,
    source,
    faults,
    thresholds: f.threshold,
    maxRate,
    http: connections || maxInFlight || f.http2 || f.insecure || f.ca
      ? { connections, maxInFlight, http2: f.http2, insecure: f.insecure, ca: f.ca }
      : undefined,
  };
}

function parseSegment(text: string | undefined): { index: number; count: number } | undefined {
  if (!text) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m || Number(m[1]) >= Number(m[2])) throw new ShadowtwinError('ST_ERR_USAGE', `--segment "${text}": write i/n with 0 ≤ i < n, e.g. --segment 0/4`);
  return { index: Number(m[1]), count: Number(m[2]) };
}

export function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description('send open-model load (or replay captured traffic) to the secondary, with honest latency')
    .option('--target <url>', 'the secondary (never a primary host); its path and query are the request\'s (default /)')
    .option('--scenario <file>', 'scenario YAML (flags override it)')
    .option('--rate <n>', 'requests per second (constant-rate unless --executor)')
    .option('--duration <d>', 'e.g. 30s, 5m (--replay: default the capture\'s length ÷ --speed)')
    .option('--executor <name>', 'constant-rate | poisson | ramping-rate | step | peak-valley | forecast | replay | concurrency')
    .option('--path <path>', 'request path (and query) for a fixed source, e.g. /users/1; overrides the --target URL\'s')
    .option('--method <m>', 'method for a fixed source')
    .option('--body <text>', 'body for a fixed source')
    .option('--replay <capture>', 'replay a capture at its own timing (× --speed)')
    .option('--capture-mix <capture>', 'sample requests from a capture at --rate')
    .option('--model <model.json>', 'synthesise requests from a request model (shadowtwin profile build) at --rate')
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
      const overrides = flagsToScenario(flags);
      // Outputs are checked before any work: an unwritable --out found after a 30-minute run loses the run.
      checkOutputs({ '--out': flags.out, '--html': flags.html });
      const scenario = loadScenario(flags.scenario, overrides);
      if (scenario.source.kind !== 'fixed' && flags.target && (overrides.source as { path?: string } | undefined)?.path) {
        throw new ShadowtwinError('ST_ERR_USAGE', `--target ${flags.target} has a path, but the scenario's source (${scenario.source.kind}) sends its own paths: give the target as ${scenario.target}`);
      }
      const prepared = await prepareRun(scenario, { primary: splitPrimaryList(process.env.SHADOWTWIN_PRIMARY), segment: parseSegment(flags.segment), scenarioFile: flags.scenario });
      if (prepared.skipped && prepared.skipped.total > 0) {
        const s = prepared.skipped;
        process.stderr.write(`skipped ${s.total} unusable capture lines (${Object.entries(s.byReason).map(([k, v]) => `${k}: ${v}`).join(', ')}); first at line ${s.examples[0]?.line}\n`);
      }
      // The renderers are the library's listeners: this command only chooses which to attach, and where they write.
      const run = prepared.run;
      const metrics = flags.metrics ? await startGeneratorMetrics(run, flags.metrics, process.env.SHADOWTWIN_METRICS_TOKEN) : undefined;
      if (metrics && !flags.quiet) process.stderr.write(`metrics: ${metrics.url}\n`);
      if (!flags.quiet) attachProgress(run, { write: (t) => process.stderr.write(t), tty: process.stderr.isTTY === true });
      if (flags.out) run.on('report', (r) => writeOutput('--out', flags.out!, JSON.stringify(r, null, 2) + '\n'));
      if (flags.html) attachHtmlReport(run, (html) => writeOutput('--html', flags.html!, html));
      attachSummary(run, (text) => process.stdout.write(text));
      let interrupted = false;
      const onSigint = (): void => {
        if (interrupted) process.exit(EXIT.INTERRUPTED);
        interrupted = true;
        process.stderr.write(`\nstopping: waiting for in-flight requests, then writing the report${flags.out ? ` to ${flags.out}` : ''} (Ctrl-C again to abort)\n`);
        run.stop();
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigint);
      const report: RunReport = await prepared.execute().finally(() => metrics?.close());
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
      const rejected = Object.entries(run.rejected);
      if (rejected.length) process.stderr.write(`not sent: ${rejected.reduce((a, [, n]) => a + (n ?? 0), 0)} requests whose head would be unsafe on the wire (${rejected.map(([k, n]) => `${k}: ${n}`).join(', ')})\n`);
      if (report.meta.interrupted) process.stderr.write(`interrupted after ${(report.meta.durationMs / 1000).toFixed(1)} s of ${scenario.duration !== undefined ? `${(scenario.duration / 1000).toFixed(1)} s` : 'the replay'}: the report covers that part only (meta.interrupted)\n`);
      const unanswered = unansweredRun(report);
      if (unanswered) throw new ShadowtwinError('ST_ERR_TARGET_UNREACHABLE', `${unanswered}${flags.out ? ` (report written to ${flags.out})` : ''}`);
      if (!report.pass) {
        process.stderr.write(`shadowtwin: ST_ERR_THRESHOLDS_FAILED: ${report.thresholds.filter((t) => !t.pass).map((t) => `${t.route ? t.route + ' ' : ''}${t.expr} (actual ${t.actual})`).join('; ')}\n`);
        return EXIT.THRESHOLD_FAILED;
      }
      return EXIT.OK;
    }));
}
