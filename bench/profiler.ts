/**
 * Profiler benchmark (issue 3): parse + profile a generated Combined Log
 * Format file of 1M and 5M lines; lines/s and peak RSS of
 * `shadowtwin profile build` (one process), with goaccess parsing the same
 * file in the same run as the reference (first size only: it is ~10× slower).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCombinedLog } from './lib/clf.js';
import { rssBytes } from './lib/proc.js';
import { checksTable, table, type Check } from './lib/table.js';

const CLI = fileURLToPath(new URL('../src/cli/index.js', import.meta.url));
const SIZES = (process.env.BENCH_PROFILE_LINES ?? '1000000,5000000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_PROFILE_ROUNDS ?? 3);

function timed(cmd: string, args: string[]): Promise<{ seconds: number; peakRss: number; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    let peak = 0;
    const t = setInterval(() => { try { peak = Math.max(peak, rssBytes(child.pid!)); } catch { /* exited */ } }, 100);
    child.on('error', reject);
    child.on('exit', (code) => { clearInterval(t); resolve({ seconds: (performance.now() - t0) / 1000, peakRss: peak, code, stderr }); });
  });
}

export async function benchProfiler(): Promise<{ markdown: string; checks: Check[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'st-profbench-'));
  const rows: Array<Array<string | number>> = [];
  const checks: Check[] = [];
  const hasGoaccess = spawnSync('goaccess', ['--version']).status === 0;
  try {
    for (const lines of SIZES) {
      const file = join(dir, `access-${lines}.log`);
      await writeCombinedLog(file, lines);
      // Median of three runs: this machine's speed drifts ±30% between runs.
      const runs = [];
      for (let i = 0; i < ROUNDS; i++) {
        const r = await timed(CLI, ['profile', 'build', file, '--format', 'combined', '-o', join(dir, 'model.json')]);
        if (r.code !== 0) throw new Error(`profile build failed: ${r.stderr}`);
        runs.push(r);
      }
      runs.sort((a, b) => a.seconds - b.seconds);
      const ours = { ...runs[Math.floor(runs.length / 2)]!, peakRss: Math.max(...runs.map((r) => r.peakRss)) };
      // goaccess runs ~10× slower: reference on the first size only, to keep the bench short.
      const ref = hasGoaccess && lines === SIZES[0] ? await timed('goaccess', [file, '--log-format=COMBINED', '-o', join(dir, 'report.json'), '--no-global-config']) : undefined;
      const ourRate = lines / ours.seconds;
      rows.push([lines.toLocaleString('en'), Math.round(ourRate), `${(ours.peakRss / 2 ** 20).toFixed(0)} MB`, ref ? Math.round(lines / ref.seconds) : 'n/a', ref ? `${(ref.peakRss / 2 ** 20).toFixed(0)} MB` : 'n/a', ref ? (ourRate / (lines / ref.seconds)).toFixed(2) : 'n/a']);
      checks.push({ name: `${lines.toLocaleString('en')} lines: throughput`, value: `${Math.round(ourRate)} lines/s`, target: '≥ 250,000', pass: ourRate >= 250_000 });
      checks.push({ name: `${lines.toLocaleString('en')} lines: peak RSS`, value: `${(ours.peakRss / 2 ** 20).toFixed(0)} MB`, target: '< 300 MB', pass: ours.peakRss < 300 * 2 ** 20 });
      rmSync(file);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const markdown = [
    `### Profile a Combined Log Format file (parse + route inference + model, one process; median of ${ROUNDS} runs, peak RSS the highest)`,
    table(['lines', 'shadowtwin lines/s', 'shadowtwin peak RSS', 'goaccess lines/s', 'goaccess peak RSS', 'ratio'], rows),
    '',
    checksTable(checks),
  ].join('\n');
  return { markdown, checks };
}
