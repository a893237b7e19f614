/**
 * Sidecar benchmark (issue 2). Everything runs on loopback in one script:
 *   upstream: nginx `return 200` (1 worker); references: direct to nginx,
 *   nginx proxy_pass, bare node:http / http-proxy / undici pass-through proxies
 *   written for this bench; then the sidecar with capture on (mirror 0) and
 *   with mirror 1.0 to a second nginx server.
 * Saturation: wrk -t1 -c50, rounds interleaved across targets, medians.
 * Latency: an open-model client at a fixed 1,000 req/s, latency from the
 * intended send time; the sidecar's CPU from /proc and its RSS.
 * Memory: a run with a dead secondary and mirror 1.0 under wrk load.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScenario, prepareRun } from '../src/generator/index.js';
import { cpuSeconds, rssBytes, rssSampler } from './lib/proc.js';
import { freePort, startNginx, startProcess, waitForPort, wrk, type Proc } from './lib/processes.js';
import { checksTable, median, table, type Check } from './lib/table.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DEAD_SECONDS = Number(process.env.BENCH_DEAD_SECONDS ?? 60);
const RATE = 1000;
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10);
const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
const CLI = here('../src/cli/index.js');

interface Target { name: string; url: string; proc?: Proc }

/** The generator at a constant rate (latency from the intended send time, drops counted). */
async function fixedRate(url: string, rate: number, seconds: number): Promise<{ latency: { p50: number; p90: number; p99: number }; errors: number; dropped: number }> {
  const u = new URL(url);
  const report = await (await prepareRun(parseScenario({
    target: u.origin, duration: seconds * 1000, load: { executor: 'constant-rate', rate },
    source: { path: u.pathname + u.search }, http: { connections: 128, maxInFlight: 512 },
  }))).execute();
  return { latency: report.summary.latencyMs, errors: report.summary.errors, dropped: report.summary.dropped };
}

export async function benchProxy(): Promise<{ markdown: string; checks: Check[] }> {
  const ports = { upstream: await freePort(), secondary: await freePort(), proxy: await freePort() };
  const nginx = await startNginx(ports, 2);
  const upstream = `http://127.0.0.1:${ports.upstream}`;
  const procs: Proc[] = [nginx];
  const tmp = mkdtempSync(join(tmpdir(), 'st-bench-'));
  try {
    const startNode = async (name: string, script: string, extra: string[] = []): Promise<Target> => {
      const port = await freePort();
      const p = startProcess(process.execPath, [script, String(port), upstream, ...extra]);
      procs.push(p);
      await waitForPort(port);
      return { name, url: `http://127.0.0.1:${port}/`, proc: p };
    };
    const startSidecar = async (name: string, extra: string[]): Promise<Target> => {
      const port = await freePort();
      const admin = await freePort();
      // Through the bin's shebang, so the sidecar runs with the flags users get.
      const p = startProcess(CLI, ['sidecar', '--listen', `127.0.0.1:${port}`, '--admin', `127.0.0.1:${admin}`, '--primary', upstream, '--log-level', 'warn', ...extra]);
      procs.push(p);
      await waitForPort(port);
      return { name, url: `http://127.0.0.1:${port}/users/42`, proc: p };
    };

    const targets: Target[] = [
      { name: 'direct (nginx)', url: `${upstream}/` },
      { name: 'nginx proxy_pass', url: `http://127.0.0.1:${ports.proxy}/` },
      await startNode('bare node:http', here('./proxies/bare-node-http.js')),
      await startNode('bare http-proxy', here('./proxies/bare-http-proxy.js')),
      await startNode('bare undici Pool.stream', here('./proxies/bare-undici.js')),
      await startSidecar('sidecar, capture on, mirror 0', ['--capture', join(tmp, 'cap.ndjson')]),
      await startSidecar('sidecar, capture on, mirror 1.0', ['--capture', join(tmp, 'cap2.ndjson'), '--secondary', `http://127.0.0.1:${ports.secondary}`, '--mirror', '1']),
    ];

    // ---- saturation ----
    const rps = new Map<string, number[]>();
    const cpuPerReq = new Map<string, number[]>();
    for (const t of targets) await wrk(t.url, 1); // warm-up (JIT, connections)
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of targets) {
        const cpu0 = t.proc ? cpuSeconds(t.proc.pid) : 0;
        const r = await wrk(t.url, SECONDS);
        const cpu1 = t.proc ? cpuSeconds(t.proc.pid) : 0;
        (rps.get(t.name) ?? rps.set(t.name, []).get(t.name)!).push(r.rps);
        if (t.proc) (cpuPerReq.get(t.name) ?? cpuPerReq.set(t.name, []).get(t.name)!).push(((cpu1 - cpu0) / (r.rps * SECONDS)) * 1e6);
        process.stderr.write(`  round ${round + 1} ${t.name}: ${Math.round(r.rps)} req/s\n`);
      }
    }
    const m = (name: string): number => median(rps.get(name)!);
    const sidecar = m('sidecar, capture on, mirror 0');
    const undici = m('bare undici Pool.stream');
    const satRows = targets.map((t) => [
      t.name, Math.round(m(t.name)), (m(t.name) / undici).toFixed(2),
      cpuPerReq.has(t.name) ? `${Math.round(median(cpuPerReq.get(t.name)!))} µs` : '—',
    ]);

    // ---- fixed rate, open model ----
    // Direct, bare undici (reference forwarder) and the sidecar, interleaved.
    type Side = 'direct' | 'undici' | 'sidecar';
    const fixed: Array<[Side, Target]> = [['direct', targets[0]!], ['undici', targets[4]!], ['sidecar', targets[5]!]];
    const lat: Record<Side, Array<{ p50: number; p90: number; p99: number }>> = { direct: [], undici: [], sidecar: [] };
    const cpu: Record<Side, number[]> = { direct: [], undici: [], sidecar: [] };
    let rss = 0;
    for (let round = 0; round < 2; round++) {
      for (const [side, t] of fixed) {
        const cpu0 = t.proc ? cpuSeconds(t.proc.pid) : 0;
        const t0 = performance.now();
        const sampler = t.proc ? rssSampler(t.proc.pid) : undefined;
        const r = await fixedRate(t.url, RATE, RATE_SECONDS);
        if (t.proc) cpu[side].push((cpuSeconds(t.proc.pid) - cpu0) / ((performance.now() - t0) / 1000));
        const peak = sampler?.stop() ?? 0;
        if (side === 'sidecar') rss = Math.max(rss, peak);
        lat[side].push(r.latency);
        if (r.errors || r.dropped) throw new Error(`open-loop ${side}: ${r.errors} errors, ${r.dropped} dropped`);
      }
    }
    const med = (side: Side, k: 'p50' | 'p90' | 'p99'): number => median(lat[side].map((l) => l[k]));
    const added = (k: 'p50' | 'p90' | 'p99'): number => med('sidecar', k) - med('direct', k);
    const cpuPerSec = median(cpu.sidecar);
    const cpuUndici = median(cpu.undici);

    // ---- cold start ----
    // A just-started sidecar taking 3,000 req/s at once, with and without its
    // warm-up, rounds interleaved: p99 and max of the first second (and the
    // rest), and the time from spawn to the data port opening.
    const cold: Record<'on' | 'off', Array<{ first: number; max: number; rest: number; startMs: number }>> = { on: [], off: [] };
    for (let round = 0; round < 2; round++) {
      for (const mode of ['on', 'off'] as const) {
        const cfg = join(tmp, `warm-${mode}.yaml`);
        writeFileSync(cfg, `server:\n  warmUp: ${mode === 'on'}\n`);
        const t0 = performance.now();
        const t = await startSidecar(`cold start, warm-up ${mode}`, ['--config', cfg]);
        const startMs = performance.now() - t0;
        const u = new URL(t.url);
        const report = await (await prepareRun(parseScenario({
          target: u.origin, duration: 3000, load: { executor: 'constant-rate', rate: 3000 }, source: { path: u.pathname }, http: { connections: 128, maxInFlight: 5000 },
        }))).execute();
        await t.proc!.stop();
        const tl = report.timeline;
        cold[mode].push({ first: tl[0]!.p99, max: report.summary.latencyMs.max, rest: Math.max(...tl.slice(1).map((x) => x.p99)), startMs });
      }
    }
    const coldMed = (mode: 'on' | 'off', k: 'first' | 'max' | 'rest' | 'startMs'): number => median(cold[mode].map((c) => c[k]));

    // ---- dead secondary ----
    const deadPort = await freePort();
    const dead = await startSidecar('sidecar, mirror 1.0 to a dead secondary', ['--secondary', `http://127.0.0.1:${deadPort}`, '--mirror', '1']);
    const deadSampler = rssSampler(dead.proc!.pid, 1000);
    const deadRun = await wrk(dead.url, DEAD_SECONDS);
    const deadPeak = deadSampler.stop();
    const deadEnd = rssBytes(dead.proc!.pid);

    const checks: Check[] = [
      { name: 'saturation: sidecar / bare undici', value: (sidecar / undici).toFixed(2), target: '≥ 0.90', pass: sidecar / undici >= 0.9 },
      { name: 'saturation: sidecar / plain http-proxy', value: (sidecar / m('bare http-proxy')).toFixed(2), target: '≥ 1.50', pass: sidecar / m('bare http-proxy') >= 1.5 },
      { name: 'saturation: mirror 1.0 / mirror 0', value: (m('sidecar, capture on, mirror 1.0') / sidecar).toFixed(2), target: '≥ 0.75', pass: m('sidecar, capture on, mirror 1.0') / sidecar >= 0.75 },
      { name: `${RATE} req/s: added p90`, value: `${added('p90').toFixed(3)} ms`, target: '≤ 1 ms', pass: added('p90') <= 1 },
      { name: `${RATE} req/s: added p99`, value: `${added('p99').toFixed(3)} ms`, target: '≤ 2 ms', pass: added('p99') <= 2 },
      { name: `${RATE} req/s: sidecar CPU`, value: `${cpuPerSec.toFixed(3)} vCPU (bare undici ${cpuUndici.toFixed(3)})`, target: '≤ 0.15 vCPU', pass: cpuPerSec <= 0.15 },
      { name: `${RATE} req/s: sidecar CPU / bare undici CPU`, value: (cpuPerSec / cpuUndici).toFixed(2), target: '(reference)', pass: true },
      { name: `${RATE} req/s: sidecar RSS`, value: `${(rss / 2 ** 20).toFixed(0)} MB`, target: '< 100 MB', pass: rss < 100 * 2 ** 20 },
      { name: 'cold start at 3,000 req/s: first-second p99, warm-up on', value: `${coldMed('on', 'first').toFixed(1)} ms (off: ${coldMed('off', 'first').toFixed(1)} ms)`, target: '(reference: off)', pass: coldMed('on', 'first') < coldMed('off', 'first') },
      { name: `${DEAD_SECONDS}s, dead secondary, mirror 1.0: peak RSS`, value: `${(deadPeak / 2 ** 20).toFixed(0)} MB (end ${(deadEnd / 2 ** 20).toFixed(0)} MB, ${Math.round(deadRun.rps)} req/s)`, target: '< 150 MB', pass: deadPeak < 150 * 2 ** 20 },
    ];
    const markdown = [
      `### Sidecar saturation (wrk -t1 -c50, ${SECONDS}s × ${ROUNDS} rounds interleaved, medians; nginx upstream, 2-byte body)`,
      table(['forwarder', 'req/s', 'vs bare undici', 'proxy CPU per request'], satRows),
      '',
      `### Open model at ${RATE} req/s (${RATE_SECONDS}s × 2 rounds, latency from intended send time, medians)`,
      table(['', 'p50 ms', 'p90 ms', 'p99 ms', 'proxy CPU (vCPU)'], [
        ['direct (nginx)', med('direct', 'p50'), med('direct', 'p90'), med('direct', 'p99'), '—'],
        ['via bare undici', med('undici', 'p50'), med('undici', 'p90'), med('undici', 'p99'), cpuUndici.toFixed(3)],
        ['via sidecar (capture on)', med('sidecar', 'p50'), med('sidecar', 'p90'), med('sidecar', 'p99'), cpuPerSec.toFixed(3)],
        ['sidecar added over direct', added('p50'), added('p90'), added('p99'), ''],
      ]),
      '',
      `### Cold start: 3,000 req/s from the moment the data port opens (3s × 2 rounds interleaved, medians)`,
      table(['warm-up', 'spawn → port open', 'first-second p99 ms', 'max ms', 'worst later second p99 ms'], (['on', 'off'] as const).map((mode) => [
        mode, `${Math.round(coldMed(mode, 'startMs'))} ms`, coldMed(mode, 'first'), coldMed(mode, 'max'), coldMed(mode, 'rest'),
      ])),
      '',
      checksTable(checks),
    ].join('\n');
    return { markdown, checks };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}
