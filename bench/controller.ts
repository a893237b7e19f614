/**
 * The controller at fleet scale (issue 16): BENCH_CONTROLLER_PODS (200)
 * simulated sidecars in this process, each a real `TelemetryExporter` (its
 * own gRPC channel) sending one 20-route window per second, against
 * `shadowtwin controller` in its own process. Measured: the controller's
 * CPU (cores), RSS at the start and end, how long a window takes from the
 * sidecar's `emit` to being visible in GET /api/v1/state (the pod's
 * lastSeen; includes the exporter's 100 ms flush), the store's growth.
 * Reference in the same run: a bare gRPC TelemetryService (acks every batch,
 * checks and stores nothing) taking the same traffic; the ratio says what
 * checking, committing and the fleet view cost on top of gRPC itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RouteStatsTable, windowFromTable, type WindowDocument } from '../src/common/index.js';
import { TelemetryExporter } from '../src/control/index.js';
import { cpuSeconds, rssBytes } from './lib/proc.js';
import { checksTable, type Check } from './lib/table.js';

const PODS = Number(process.env.BENCH_CONTROLLER_PODS ?? 200);
const ROUTES = 20;
const SECONDS = Number(process.env.BENCH_CONTROLLER_SECONDS ?? 60);
const WARM_S = 10;

/** Ten window templates (real HDR payloads) re-stamped per pod and second. */
function templates(): WindowDocument[] {
  return Array.from({ length: 10 }, (_, v) => {
    const t = new RouteStatsTable();
    for (let r = 0; r < ROUTES; r++) {
      const s = t.get(`/api/r${r}/:id`, r % 4 === 0 ? 'POST' : 'GET');
      const n = 20 + ((r * 7 + v * 13) % 200);
      for (let i = 0; i < n; i++) s.record(i % 50 === 0 ? 503 : 200, 0.5 + ((i * 37 + v) % 400) * (1 + r / 10), 100, 2_000 + r * 10, false);
    }
    return windowFromTable({ service: 'x', pod: 'x', role: 'primary' }, 0, 1, t);
  });
}

function waitLine(child: ChildProcess, re: RegExp, stream: 'stdout' | 'stderr'): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const on = (d: Buffer): void => {
      buf += d;
      const m = re.exec(buf);
      if (m) { child[stream]!.off('data', on); resolve(m); }
    };
    child[stream]!.on('data', on);
    child.once('exit', (code) => reject(new Error(`exited ${code} before printing ${re}: ${buf.slice(-500)}`)));
  });
}

interface Drive { cpuCores: number; rssStartMb: number; rssEndMb: number; visibleP50Ms?: number; visibleP99Ms?: number; windows: number; acked: number }

/** Drives PODS exporters at `target` for SECONDS; `visible` polls the controller's state when given. */
async function drive(pid: number, target: string, visible?: string): Promise<Drive> {
  const tpl = templates();
  const exporters = Array.from({ length: PODS }, (_, i) => {
    const e = new EventEmitter();
    const x = new TelemetryExporter({ target, sender: `svc-${i % 10}/pod-${i}`, flushIntervalMs: 100, maxBufferedWindows: 100 });
    x.attach(e);
    return { e, x, service: `svc-${i % 10}`, pod: `pod-${i}` };
  });
  const lastEmit = new Map<string, number>();
  const seen = new Map<string, number>();
  const latencies: number[] = [];
  let second = 0;
  let measuring = false;
  const t0 = Date.now();
  const emitAll = (): void => {
    const end = Date.now();
    exporters.forEach((p, i) => {
      const w = tpl[(i + second) % tpl.length]!;
      p.e.emit('window', { ...w, source: { service: p.service, pod: p.pod, role: 'primary' }, start: end - 1_000, end });
      if (measuring && !lastEmit.has(p.pod)) lastEmit.set(p.pod, end);
    });
    second++;
  };
  // Pods spread over the second, as real sidecars are.
  const timers: NodeJS.Timeout[] = [];
  const tick = setInterval(emitAll, 1_000);
  timers.push(tick);
  emitAll();
  await new Promise((r) => setTimeout(r, WARM_S * 1_000));
  let cpu0 = cpuSeconds(pid);
  const rssStart = rssBytes(pid);
  measuring = true;
  const tStart = Date.now();
  let poller: NodeJS.Timeout | undefined;
  if (visible) {
    poller = setInterval(() => {
      const at = Date.now();
      void fetch(`${visible}/api/v1/state?events=0`).then((r) => r.json() as Promise<{ services: Array<{ pods: Array<{ name: string; lastSeen: number }> }> }>).then((s) => {
        for (const svc of s.services) for (const p of svc.pods) {
          const emitted = lastEmit.get(p.name);
          if (emitted !== undefined && p.lastSeen >= emitted && !seen.has(p.name)) {
            seen.set(p.name, at);
            latencies.push(at - emitted);
            lastEmit.delete(p.name);
            seen.delete(p.name);
          }
        }
      }).catch(() => undefined);
    }, 50);
  }
  await new Promise((r) => setTimeout(r, SECONDS * 1_000));
  const cpu = cpuSeconds(pid) - cpu0;
  const elapsed = (Date.now() - tStart) / 1000;
  cpu0 = 0;
  if (poller) clearInterval(poller);
  for (const t of timers) clearInterval(t);
  const rssEnd = rssBytes(pid);
  const acked = exporters.reduce((a, p) => a + p.x.stats().windowsAcked, 0);
  const windows = exporters.reduce((a, p) => a + p.x.stats().windows, 0);
  await Promise.all(exporters.map((p) => p.x.close(2_000)));
  latencies.sort((a, b) => a - b);
  const q = (p: number): number | undefined => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : undefined);
  void t0;
  return { cpuCores: cpu / elapsed, rssStartMb: rssStart / 2 ** 20, rssEndMb: rssEnd / 2 ** 20, visibleP50Ms: q(0.5), visibleP99Ms: q(0.99), windows, acked };
}

export async function benchController(): Promise<{ markdown: string; checks: Check[] }> {
  const cli = fileURLToPath(new URL('../src/cli/index.js', import.meta.url));
  // Reference first: the bare receiver.
  const bare = spawn(process.execPath, [fileURLToPath(new URL('./targets/bare-telemetry.js', import.meta.url))], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = (await waitLine(bare, /^(\d+)\n/m, 'stdout'))[1]!;
  const ref = await drive(bare.pid!, `127.0.0.1:${port}`);
  bare.kill('SIGTERM');

  const data = mkdtempSync(join(tmpdir(), 'st-bench-ctl-'));
  const ctl = spawn(process.execPath, [cli, 'controller', '--data', data, '--grpc', '127.0.0.1:0', '--http', '127.0.0.1:0', '--window', '1s', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const m = await waitLine(ctl, /grpc (\S+) +http (\S+)/, 'stderr');
  const bytes0 = statSync(join(data, 'controller.db')).size;
  const t0 = Date.now();
  const run = await drive(ctl.pid!, m[1]!, m[2]!);
  const walS = (p: string): number => { try { return statSync(p).size; } catch { return 0; } };
  const grown = statSync(join(data, 'controller.db')).size + walS(join(data, 'controller.db-wal')) - bytes0;
  const hours = (Date.now() - t0) / 3_600_000;
  ctl.kill('SIGTERM');
  await new Promise((r) => ctl.once('exit', r));
  rmSync(data, { recursive: true, force: true });

  const checks: Check[] = [
    { name: `controller CPU, ${PODS} sidecars × 1 window/s × ${ROUTES} routes`, value: `${run.cpuCores.toFixed(3)} cores`, reference: `bare gRPC receiver ${ref.cpuCores.toFixed(3)} cores (×${(run.cpuCores / Math.max(1e-6, ref.cpuCores)).toFixed(1)})`, target: '≤ 0.5 core', pass: run.cpuCores <= 0.5 },
    { name: 'emit → visible in /api/v1/state, p99 (p50)', value: run.visibleP99Ms === undefined ? 'n/a' : `${run.visibleP99Ms} ms (${run.visibleP50Ms} ms)`, reference: 'includes the exporter\'s 100 ms flush and the 50 ms poll', target: '≤ 1000 ms', pass: run.visibleP99Ms !== undefined && run.visibleP99Ms <= 1000 },
    { name: `controller RSS after ${WARM_S} s → after ${WARM_S + SECONDS} s`, value: `${run.rssStartMb.toFixed(0)} → ${run.rssEndMb.toFixed(0)} MB`, reference: `bare receiver ${ref.rssEndMb.toFixed(0)} MB`, target: '≤ 300 MB, flat (10-minute run: BENCH_CONTROLLER_SECONDS=600)', pass: run.rssEndMb <= 300 },
    { name: 'windows acknowledged / sent', value: `${run.acked} / ${run.windows}`, target: 'all but the last flush', pass: run.acked >= run.windows - 2 * PODS },
    { name: 'database growth', value: `${(grown / 2 ** 20 / hours / 1024).toFixed(2)} GB per hour (raw windows; rollups replace them after the raw retention, default 3 h)`, target: 'info' },
  ];
  return { markdown: checksTable(checks), checks };
}
