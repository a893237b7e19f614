/**
 * `npm run bench [-- name...]`: runs the benchmarks, prints markdown tables
 * and writes them to bench-results/. Exit code 0 even when a target is
 * missed (the table says FAIL): benchmarks inform, tests gate.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchGenerator } from './generator.js';
import { benchHistogram } from './histogram.js';
import { benchForecast } from './forecast.js';
import { benchProfiler } from './profiler.js';
import { benchProxy } from './proxy.js';
import { benchScaling } from './scaling.js';
import { benchStore } from './store.js';
import { benchController } from './controller.js';
import type { Check } from './lib/table.js';

const BENCHES: Record<string, () => Promise<{ markdown: string; checks: Check[] }>> = {
  proxy: benchProxy,
  generator: benchGenerator,
  profiler: benchProfiler,
  forecast: benchForecast,
  scaling: benchScaling,
  store: benchStore,
  controller: benchController,
  histogram: benchHistogram,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : Object.keys(BENCHES);
for (const n of names) if (!BENCHES[n]) throw new Error(`unknown bench "${n}"; have: ${Object.keys(BENCHES).join(', ')}`);

const deps = spawnSync('bash', [fileURLToPath(new URL('../../scripts/install-test-deps.sh', import.meta.url)), '--bench'], { stdio: 'inherit' });
if (deps.status !== 0) process.exit(deps.status ?? 1);

const outDir = fileURLToPath(new URL('../../bench-results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
for (const name of names) {
  process.stderr.write(`bench ${name}…\n`);
  const { markdown, checks } = await BENCHES[name]!();
  process.stdout.write(`\n## ${name}\n\n${markdown}\n`);
  writeFileSync(`${outDir}${name}.md`, markdown + '\n');
  writeFileSync(`${outDir}${name}.json`, JSON.stringify({ when: new Date().toISOString(), node: process.version, checks }, null, 2));
}
