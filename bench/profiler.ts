/**
 * Profiler benchmark (issue 3): parse + profile a generated Combined Log
 * Format file of 1M and 5M lines; lines/s and peak RSS of
 * `shadowtwin profile build` (one process). Reference, same file, rounds
 * interleaved: a bare Node process parsing it the straightforward way
 * (`bench/references/bare-clf-parse.ts`: split lines, CLF regex, nothing
 * kept). goaccess on the same file is shown alongside (first size only: it
 * is ~10× slower). Memory is also compared across sizes: a streaming
 * profiler's peak RSS must not grow with the file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCombinedLog } from './lib/clf.js';
import { rssBytes } from './lib/proc.js';
import { checksTable, median, spread, table, type Check } from './lib/table.js';

const CLI = fileURLToPath(new URL('../src/cli/index.js', import.meta.url));
const BARE = fileURLToPath(new URL('./references/bare-clf-parse.js', import.meta.url));
const SIZES = (process.env.BENCH_PROFILE_LINES ?? '1000000,5000000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_PROFILE_ROUNDS ?? 3);

interface Timed { seconds: number; peakRss: number; code: number | null; stdout: string; stderr: string }

function timed(cmd: string, args: string[]): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    let peak = 0;
    const t = setInterval(() => { try { peak = Math.max(peak, rssBytes(child.pid!)); } catch { /* exited */ } }, 100);
    child.on('error', reject);
    child.on('exit', (code) => { clearInterval(t); resolve({ seconds: (performance.now() - t0) / 1000, peakRss: peak, code, stdout, stderr }); });
  });
}

const mb = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MB`;

export async function benchProfiler(): Promise<{ markdown: string; checks: Check[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'st-profbench-'));
  const rows: Array<Array<string | number>> = [];
  const checks: Check[] = [];
  const peaks: Array<{ lines: number; ours: number; bare: number }> = [];
  const hasGoaccess = spawnSync('goaccess', ['--version']).status === 0;
  try {
    for (const lines of SIZES) {
      const file = join(dir, `access-${lines}.log`);
      await writeCombinedLog(file, lines);
      // Rounds interleaved with the bare parse, medians: this machine's speed drifts ±30% between runs.
      const ours: Timed[] = [];
      const bare: Timed[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const r = await timed(CLI, ['profile', 'build', file, '--format', 'combined', '-o', join(dir, 'model.json')]);
        if (r.code !== 0) throw new Error(`profile build failed: ${r.stderr}`);
        ours.push(r);
        const b = await timed(process.execPath, [BARE, file]);
        if (b.code !== 0) throw new Error(`bare CLF parse failed: ${b.stderr}`);
        const counted = JSON.parse(b.stdout) as { lines: number; matched: number };
        if (counted.lines !== lines || counted.matched !== lines) throw new Error(`bare CLF parse read ${counted.lines} lines, ${counted.matched} matched, of ${lines}: the reference is broken`);
        bare.push(b);
      }
      const oursRate = ours.map((r) => lines / r.seconds);
      const bareRate = bare.map((r) => lines / r.seconds);
      const oursPeak = Math.max(...ours.map((r) => r.peakRss));
      const barePeak = Math.max(...bare.map((r) => r.peakRss));
      peaks.push({ lines, ours: oursPeak, bare: barePeak });
      const ratio = median(oursRate) / median(bareRate);
      // goaccess runs ~10× slower: shown on the first size only, to keep the bench short.
      const ref = hasGoaccess && lines === SIZES[0] ? await timed('goaccess', [file, '--log-format=COMBINED', '-o', join(dir, 'report.json'), '--no-global-config']) : undefined;
      const n = lines.toLocaleString('en');
      rows.push([n, spread(oursRate, 0), mb(oursPeak), spread(bareRate, 0), mb(barePeak), ratio.toFixed(2),
        ref ? Math.round(lines / ref.seconds) : 'n/a', ref ? mb(ref.peakRss) : 'n/a']);
      checks.push({ name: `${n} lines: throughput (median of ${ROUNDS})`, value: `${Math.round(median(oursRate))} lines/s (${ratio.toFixed(2)}×)`, reference: `bare CLF parse ${Math.round(median(bareRate))} lines/s`, target: '≥ 0.25×', pass: ratio >= 0.25 });
      checks.push({ name: `${n} lines: peak RSS`, value: mb(oursPeak), reference: `bare CLF parse ${mb(barePeak)}`, target: '≤ +200 MB', pass: oursPeak - barePeak <= 200 * 2 ** 20 });
      rmSync(file);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (peaks.length > 1) {
    const small = peaks[0]!;
    const big = peaks[peaks.length - 1]!;
    const growth = big.ours / small.ours;
    checks.push({ name: `peak RSS at ${big.lines.toLocaleString('en')} lines`, value: `${mb(big.ours)} (${growth.toFixed(2)}×)`, reference: `same profiler at ${small.lines.toLocaleString('en')} lines ${mb(small.ours)}`, target: '≤ 1.25×', pass: growth <= 1.25 });
  }
  const markdown = [
    `### Profile a Combined Log Format file (parse + route inference + model, one process; ${ROUNDS} rounds interleaved with a bare CLF parse of the same file; median (min–max), peak RSS the highest)`,
    table(['lines', 'shadowtwin lines/s', 'shadowtwin peak RSS', 'bare CLF parse lines/s', 'bare parse peak RSS', 'shadowtwin / bare', 'goaccess lines/s', 'goaccess peak RSS'], rows),
    '',
    checksTable(checks),
  ].join('\n');
  return { markdown, checks };
}
