import type { Command } from 'commander';
import { parseDuration, requestRateQuery, ShadowtwinError } from '../common/index.js';
import { queryRange, readRequestModel } from '../profiler/index.js';
import { capacityForMix, replicasFor, costModelDocument, costSamplesFromSeries, fitCostModel, projectDemand, readCostModel, type CostModel, type CostSample } from '../scaler/index.js';
import { checkOutputs, writeOutput } from './output-paths.js';
import { readInputText } from './read-input.js';
import { runCommand } from './run-command.js';

const DEFAULT_RATES_QUERY = requestRateQuery({ by: ['route', 'method'] });
function readSamples(file: string): CostSample[] {
  const out: CostSample[] = [];
  const bad: number[] = [];
  readInputText(file, 'cost samples').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const v = JSON.parse(line) as CostSample;
      if (!(v.resource >= 0) || typeof v.rates !== 'object' || v.rates === null || Array.isArray(v.rates) || Object.values(v.rates).some((x) => !(typeof x === 'number' && x >= 0))) throw new Error('shape');
      out.push(v);
    } catch {
      bad.push(i + 1);
    }
  });
  if (bad.length) process.stderr.write(`${file}: skipped ${bad.length} lines that are not {"rates": {route: req/s}, "resource": number} (lines ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', …' : ''})\n`);
  return out;
}

/** `GET /a=0.9,POST /b=0.1`, or a request model's route weights, with `/checkout=3`-style multipliers on top. */
function mixFrom(f: { model?: string; mix?: string; boost?: string }): Record<string, number> {
  let mix: Record<string, number> = {};
  if (f.model) {
    const m = readRequestModel(f.model);
    for (const r of m.routes) mix[`${r.method} ${r.route}`] = r.weight;
  } else if (f.mix) {
    mix = Object.fromEntries(f.mix.split(',').map((kv) => {
      const i = kv.lastIndexOf('=');
      const w = Number(kv.slice(i + 1));
      if (i < 0 || !(w >= 0)) throw new ShadowtwinError('ST_ERR_USAGE', `--mix "${kv}": write ROUTE=WEIGHT, e.g. "GET /products/:id=0.9,POST /checkout=0.1"`);
      return [kv.slice(0, i).trim(), w];
    }));
  } else {
    throw new ShadowtwinError('ST_ERR_USAGE', 'give the route mix: --model model.json or --mix "GET /a=0.9,POST /b=0.1"');
  }
  for (const kv of (f.boost ?? '').split(',').filter(Boolean)) {
    const i = kv.lastIndexOf('=');
    const x = Number(kv.slice(i + 1));
    if (i < 0 || !(x >= 0)) throw new ShadowtwinError('ST_ERR_USAGE', `--boost "${kv}": write ROUTE=MULTIPLIER, e.g. /checkout=3`);
    const route = kv.slice(0, i).trim();
    const hits = Object.keys(mix).filter((k) => k === route || k.endsWith(` ${route}`));
    if (hits.length === 0) throw new ShadowtwinError('ST_ERR_USAGE', `--boost ${route}: no such route in the mix (${Object.keys(mix).slice(0, 8).join(', ')})`);
    for (const k of hits) mix[k] = mix[k]! * x;
  }
  return mix;
}

export function registerCostCommand(program: Command): void {
  const cost = program.command('cost').description('per-route cost model: resource used per request/s of each route');
  cost
    .command('fit')
    .description('fit a cost model by non-negative least squares of a resource series on per-route rates')
    .option('--samples <file>', 'NDJSON lines {"rates": {"GET /a": 12.5, …}, "resource": 0.8}')
    .option('--prometheus <url>', 'read both series from Prometheus instead')
    .option('--rates-query <promql>', 'per-route request rates (labels route, method)', DEFAULT_RATES_QUERY)
    .option('--resource-query <promql>', 'the resource, one series, e.g. sum(rate(container_cpu_usage_seconds_total{pod=~"app-.*"}[5m]))')
    .option('--since <d>', 'with --prometheus: history length', '1d')
    .option('--step <d>', 'with --prometheus: resolution', '1m')
    .option('-o, --out <file>', 'cost model JSON', 'cost.json')
    .action((f: { samples?: string; prometheus?: string; ratesQuery: string; resourceQuery?: string; since: string; step: string; out: string }) => runCommand(async () => {
      checkOutputs({ '--out': f.out }); // before querying Prometheus or fitting
      let samples: CostSample[];
      if (f.samples) samples = readSamples(f.samples);
      else if (f.prometheus) {
        if (!f.resourceQuery) throw new ShadowtwinError('ST_ERR_USAGE', '--resource-query is required with --prometheus (the resource to explain, e.g. CPU cores)');
        const step = parseDuration(f.step);
        const since = parseDuration(f.since);
        if (!step || !since) throw new ShadowtwinError('ST_ERR_USAGE', '--step and --since take durations such as 1m and 1d');
        const end = Math.floor(Date.now() / step) * step;
        const token = process.env.SHADOWTWIN_PROMETHEUS_TOKEN;
        const [rates, resource] = await Promise.all([
          queryRange({ url: f.prometheus, query: f.ratesQuery, startMs: end - since, endMs: end, stepMs: step, token }),
          queryRange({ url: f.prometheus, query: f.resourceQuery, startMs: end - since, endMs: end, stepMs: step, token }),
        ]);
        if (resource.length !== 1) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `--resource-query returned ${resource.length} series; wrap it in sum(...) to get one`);
        samples = costSamplesFromSeries(rates, resource[0]!);
      } else {
        throw new ShadowtwinError('ST_ERR_USAGE', 'give --samples FILE or --prometheus URL --resource-query Q');
      }
      let model: CostModel;
      try {
        model = fitCostModel(samples);
      } catch (err) {
        throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', (err as Error).message);
      }
      writeOutput('--out', f.out, JSON.stringify(costModelDocument(model), null, 2) + '\n');
      const lines = [`cost model from ${model.samples} samples (R² ${model.r2.toFixed(3)}), base ${model.base.toFixed(4)}`, 'route                                   resource per req/s'];
      for (const [route, c] of Object.entries(model.costs).sort((a, b) => b[1] - a[1])) lines.push(`${route.padEnd(40)}${c.toPrecision(4)}`);
      process.stdout.write(lines.join('\n') + '\n');
    }));

  cost
    .command('project')
    .description('projected demand for a rate and a route mix, and capacity per replica')
    .argument('<cost>', 'cost model JSON (from cost fit)')
    .requiredOption('--rate <n>', 'total requests/s (e.g. the forecast upper bound)')
    .option('--model <file>', 'request model: its route weights are the mix')
    .option('--mix <list>', 'route weights: "GET /a=0.9,POST /b=0.1"')
    .option('--boost <list>', 'multiply routes\' shares: "/checkout=3" (a flash sale)')
    .option('--resource-per-replica <x>', 'resource one replica has (e.g. 1 core): prints capacity per replica and replicas')
    .option('--target-utilization <x>', 'with --resource-per-replica', '0.7')
    .option('--json', 'machine-readable')
    .action((file: string, f: { rate: string; model?: string; mix?: string; boost?: string; resourcePerReplica?: string; targetUtilization: string; json?: boolean }) => runCommand(async () => {
      const model = readCostModel(file);
      const rate = Number(f.rate);
      if (!(rate >= 0) || !Number.isFinite(rate)) throw new ShadowtwinError('ST_ERR_USAGE', `--rate must be requests per second (a number ≥ 0), got "${f.rate}"`);
      const mix = mixFrom(f);
      const demand = projectDemand(model, rate, mix);
      const out: Record<string, number> = { rate, demand: Math.round(demand * 10_000) / 10_000 };
      if (f.resourcePerReplica) {
        const per = Number(f.resourcePerReplica);
        const util = Number(f.targetUtilization);
        if (!(per > 0) || !Number.isFinite(per)) throw new ShadowtwinError('ST_ERR_USAGE', `--resource-per-replica must be a number above 0 (e.g. 1 core), got "${f.resourcePerReplica}"`);
        if (!(util > 0 && util <= 1)) throw new ShadowtwinError('ST_ERR_USAGE', `--target-utilization must be a number above 0 and at most 1, got "${f.targetUtilization}"`);
        out.capacityPerReplica = Math.round(capacityForMix(model, mix, per) * 100) / 100;
        // Demand is in resource units: one replica carries `per` of it, as replicasFor carries capacity per replica.
        out.replicas = replicasFor(demand, per, util);
      }
      process.stdout.write(f.json ? JSON.stringify(out) + '\n' : Object.entries(out).map(([k, v]) => `${k} ${v}`).join('\n') + '\n');
    }));
}
