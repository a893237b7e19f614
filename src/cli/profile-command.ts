import type { Command } from 'commander';
import { parseDuration } from '../common/duration.js';
import { EXIT } from '../common/error-codes.js';
import { ShadowtwinError } from '../common/errors.js';
import { textTable } from '../common/text-table.js';
import { requestRateQuery } from '../common/metric-names.js';
import { alignRoutes, buildModel, DIFF_ALPHA, DIFF_CHECKS, DIFF_MIN_REQUESTS, diffModels, INPUT_FORMATS, mergeModels, ModelSampler, queryRange, readRequestModel, readRouteTable, renderModel, routeTemplatesOf, summarizeModel, type DiffCheck, type InputFormat } from '../profiler/index.js';
import { checkOutputs, writeOutput } from './output-paths.js';
import { runCommand } from './run-command.js';
import { FlagCheck } from './flag-check.js';
import { writeNdjson } from './write-ndjson.js';

/** Most requests `profile sample` draws at once (about 300 MB of heap at a million). */
const MAX_SAMPLE = 1_000_000;

const readModel = readRequestModel;

export function registerProfileCommand(program: Command): void {
  const profile = program.command('profile').description('build, inspect, compare and sample request models');

  profile
    .command('build')
    .description('profile captures or access logs into a request model')
    .argument('<inputs...>', 'capture files, access logs, nginx JSON logs or .gor files (gzip ok)')
    .option('--format <f>', `${INPUT_FORMATS.join('|')}`, 'capture')
    .option('-o, --out <file>', 'model JSON', 'model.json')
    .option('--step <d>', 'rate series step (1s … 1h)', '1m')
    .option('--session-gap <d>', 'session inactivity gap', '30m')
    .option('--routes <file>', 'route table: one template per line, or an OpenAPI JSON/YAML (its paths)')
    .option('--routes-from <model>', 'use the route templates of this model (so profile diff compares like with like)')
    .option('--merge', 'inputs are model JSON files to merge (shards)')
    .option('--no-collapse', 'keep inferred templates as inferred (no build-time generalisation into :param and /*)')
    .action((inputs: string[], f: { format: string; out: string; step: string; sessionGap: string; routes?: string; routesFrom?: string; merge?: boolean; collapse: boolean }) => runCommand(async () => {
      checkOutputs({ '-o': f.out });
      if (f.merge) {
        const merged = mergeModels(inputs.map(readModel));
        writeOutput('-o', f.out, JSON.stringify(merged) + '\n');
        process.stdout.write(renderModel(merged));
        return;
      }
      if (!INPUT_FORMATS.includes(f.format as InputFormat)) throw new ShadowtwinError('ST_ERR_USAGE', `--format ${f.format}: use one of ${INPUT_FORMATS.join(', ')}`);
      const stepMs = parseDuration(f.step);
      const gapMs = parseDuration(f.sessionGap);
      if (!stepMs || stepMs < 1000 || stepMs > 3_600_000) throw new ShadowtwinError('ST_ERR_USAGE', `--step ${f.step}: give a duration from 1s to 1h`);
      if (!gapMs) throw new ShadowtwinError('ST_ERR_USAGE', `--session-gap ${f.sessionGap}: give a duration such as 30m`);
      const routes = f.routes || f.routesFrom ? [...(f.routes ? readRouteTable(f.routes) : []), ...(f.routesFrom ? routeTemplatesOf(readModel(f.routesFrom)) : [])] : undefined;
      const { model, skips } = await buildModel(inputs.map((file) => ({ file, format: f.format as InputFormat })), { stepMs, sessionGapMs: gapMs, routes, ...(f.collapse ? {} : { collapse: false as const }) });
      skips.forEach((s, i) => {
        for (const w of s.warnings) process.stderr.write(`warning: ${w}\n`);
        if (s.total === 0) return;
        // The first three, and the first of every other reason (a rare reason is not hidden by a common one).
        const shown = s.examples.filter((e, k) => k < 3 || !s.examples.slice(0, k).some((x) => x.reason === e.reason)).sort((a, b) => a.line - b.line);
        process.stderr.write(`${inputs[i]}: skipped ${s.total} lines (${Object.entries(s.byReason).map(([k, v]) => `${k}: ${v}`).join(', ')}); first: ${shown.map((e) => `line ${e.line} (${e.reason})`).join(', ')}\n`);
      });
      writeOutput('-o', f.out, JSON.stringify(model) + '\n');
      process.stdout.write(renderModel(model));
    }));

  profile
    .command('show')
    .description('a readable report of a model (--json for machines)')
    .argument('<model>')
    .option('--json', 'the documented JSON summary')
    .action((file: string, f: { json?: boolean }) => runCommand(async () => {
      const m = readModel(file);
      process.stdout.write(f.json ? JSON.stringify(summarizeModel(m), null, 2) + '\n' : renderModel(m));
    }));

  profile
    .command('diff')
    .description('drift between two models; exits 4 when a divergence exceeds --threshold')
    .argument('<old>')
    .argument('<new>')
    .option('--threshold <x>', 'largest acceptable divergence (JS or KS, 0..1)', '0.1')
    .option('--checks <list>', `which divergences count, comma-separated, each optionally with its own limit (name=x): ${DIFF_CHECKS.join(', ')}`, DIFF_CHECKS.join(','))
    .option('--align', 're-key the second model\'s routes to the first\'s templates before comparing (when it was built without --routes-from)')
    .option('--json', 'machine-readable')
    .action((a: string, b: string, f: { threshold: string; checks: string; align?: boolean; json?: boolean }) => runCommand(async () => {
      const limit = Number(f.threshold);
      if (!(limit >= 0 && limit <= 1)) throw new ShadowtwinError('ST_ERR_USAGE', `--threshold ${f.threshold}: give a divergence from 0 to 1`);
      const checks = parseChecks(f.checks, limit);
      const before = readModel(a);
      const d = diffModels(before, f.align ? alignRoutes(readModel(b), routeTemplatesOf(before)) : readModel(b));
      const verdicts = checks.map(({ check, limit: l }) => ({ check, divergence: d.checks[check] ?? null, limit: l, pass: (d.checks[check] ?? 0) <= l }));
      const pass = verdicts.every((v) => v.pass);
      if (f.json) process.stdout.write(JSON.stringify({ ...d, threshold: limit, verdicts, pass }, null, 2) + '\n');
      else {
        const lines = [`route mix Jensen–Shannon ${d.routeMix.jsd}${d.routeMix.added.length ? `; new: ${d.routeMix.added.join(', ')}` : ''}${d.routeMix.removed.length ? `; gone: ${d.routeMix.removed.join(', ')}` : ''}`,
          `method mix Jensen–Shannon ${d.methodMix.jsd}`,
          `user-agent mix Jensen–Shannon ${d.userAgents.jsd}${d.userAgents.added.length ? `; new: ${d.userAgents.added.join(', ')}` : ''}${d.userAgents.removed.length ? `; gone: ${d.userAgents.removed.join(', ')}` : ''}`,
          d.sessions ? `session length KS ${d.sessions.lengthKs} (mean ${d.sessions.meanBefore ?? '—'} → ${d.sessions.meanAfter ?? '—'}, sessions ${d.sessions.countBefore} → ${d.sessions.countAfter})` : 'sessions: neither model has them',
          ''];
        lines.push(...textTable([
          { header: 'route', max: 50, cut: 'middle' }, { header: 'method', max: 10 }, { header: 'weight old → new', align: 'right' }, { header: 'requests old → new', align: 'right' },
          { header: 'resBytes KS', align: 'right' }, { header: 'latency KS', align: 'right' }, { header: 'status JS', align: 'right' },
        ], d.routes.slice(0, 25).map((r) => [r.route, r.method, `${(r.weightBefore * 100).toFixed(2)}% → ${(r.weightAfter * 100).toFixed(2)}%`, `${r.requestsBefore} → ${r.requestsAfter}`,
          `${r.resBytesKs}${r.counted.sizes ? ' *' : ''}`, r.latencyKs === undefined ? '—' : `${r.latencyKs}${r.counted.latency ? ' *' : ''}`, `${r.statusJsd}${r.counted.status ? ' *' : ''}`])));
        lines.push(`* counts towards its check: ≥ ${DIFF_MIN_REQUESTS} requests on both sides and significant at α = ${DIFF_ALPHA} (other differences are within sampling noise)`, '');
        lines.push(...textTable([{ header: 'check' }, { header: 'divergence', align: 'right' }, { header: 'limit', align: 'right' }, { header: 'verdict' }],
          verdicts.map((v) => [v.check, String(v.divergence ?? '—'), String(v.limit), v.pass ? 'ok' : 'DRIFT'])));
        const checked = Math.max(0, ...verdicts.map((v) => v.divergence ?? 0));
        lines.push(`${pass ? 'within thresholds' : 'DRIFT'} (largest divergence checked ${checked}${checked < d.maxDivergence ? `; ${d.maxDivergence} among checks not asked for` : ''})`);
        process.stdout.write(lines.join('\n') + '\n');
      }
      return pass ? EXIT.OK : EXIT.THRESHOLD_FAILED;
    }));

  registerPromSeries(profile);

  profile
    .command('sample')
    .description('N synthetic requests from a model, as NDJSON (what the generator synthesises)')
    .argument('<model>')
    .option('-n <n>', `how many (1 to ${MAX_SAMPLE.toLocaleString('en')})`, '10')
    .option('--seed <n>', 'seed', '1')
    .action((file: string, f: { n: string; seed: string }) => runCommand(async () => {
      const c = new FlagCheck();
      // The sample is sorted by time, so it is drawn whole before the first line: -n is capped to bound memory.
      const n = c.number('-n', f.n, { min: 1, max: MAX_SAMPLE, integer: true });
      const seed = c.number('--seed', f.seed, { integer: true });
      c.done();
      const out = new ModelSampler(readModel(file), seed!).sample(n!);
      // Written in batches with back-pressure; a closed pipe (| head) ends it quietly.
      await writeNdjson(process.stdout, out);
    }));
}

/** `route-mix,user-agents=0.05` → checks with their limits (the default limit where none is given). */
function parseChecks(text: string, limit: number): Array<{ check: DiffCheck; limit: number }> {
  return text.split(',').map((t) => t.trim()).filter(Boolean).map((t) => {
    const [name, value] = t.split('=') as [string, string | undefined];
    if (!(DIFF_CHECKS as readonly string[]).includes(name)) throw new ShadowtwinError('ST_ERR_USAGE', `--checks: unknown check "${name}"; use ${DIFF_CHECKS.join(', ')}`);
    const l = value === undefined ? limit : Number(value);
    if (!(l >= 0 && l <= 1)) throw new ShadowtwinError('ST_ERR_USAGE', `--checks ${name}=${value}: give a divergence from 0 to 1`);
    return { check: name as DiffCheck, limit: l };
  });
}

export function registerPromSeries(profile: Command): void {
  profile
    .command('prom-series')
    .description('read a request-rate history from Prometheus as CSV (timestamp,value): the forecaster\'s input')
    .requiredOption('--prometheus <url>', 'Prometheus base URL')
    .option('--query <promql>', 'a query yielding one series', requestRateQuery())
    .option('--since <d>', 'how far back', '14d')
    .option('--step <d>', 'resolution', '5m')
    .action((f: { prometheus: string; query: string; since: string; step: string }) => runCommand(async () => {
      const since = parseDuration(f.since);
      const step = parseDuration(f.step);
      if (!since || !step) throw new ShadowtwinError('ST_ERR_USAGE', '--since and --step take durations such as 14d and 5m');
      const end = Math.floor(Date.now() / step) * step;
      const series = await queryRange({ url: f.prometheus, query: f.query, startMs: end - since, endMs: end, stepMs: step, token: process.env.SHADOWTWIN_PROMETHEUS_TOKEN });
      if (series.length !== 1) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `the query returned ${series.length} series; wrap it in sum(...) to get one`);
      let out = 'timestamp,value\n';
      for (const p of series[0]!.points) out += `${new Date(p.ts).toISOString().replace('T', ' ').slice(0, 19)},${p.value}\n`;
      process.stdout.write(out);
    }));
}
