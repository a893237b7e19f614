/**
 * The controller store (issue 16): the fleet, 200 sidecars each
 * sending a window per second with 20 routes, appended as the telemetry
 * receiver would (one transaction per sidecar batch, acknowledged after its
 * commit; or group commit: a fleet-second of sidecar batches in one
 * transaction, `appendWindowBatches`), with synchronous FULL (the default)
 * and NORMAL. better-sqlite3 is synchronous: the fsync of a FULL commit
 * blocks the event loop, so "core" below is the larger of wall and CPU time. Same-run references: the bare cost of the work
 * every window needs anyway (validation by the window contract + JSON.stringify)
 * and a bare better-sqlite3 insert of the same rows into `:memory:`.
 * Then the rollup (windows merged into minute buckets by `mergeWindows`) and
 * the database's growth: bytes per window and per rollup bucket, projected
 * to an hour of this traffic and to the steady state of the default retention.
 *
 * BENCH_STORE_SECONDS: fleet-seconds of traffic per append variant (default 10: 2,000 windows).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { RouteStatsTable } from '../src/common/index.js';
import { readDocument, WINDOW_CONTRACT, windowFromTable, type WindowDocument } from '../src/common/contracts/index.js';
import { ControllerStore, DEFAULT_RETENTION } from '../src/control/index.js';
import { checksTable, table, type Check } from './lib/table.js';

const SECONDS = Number(process.env.BENCH_STORE_SECONDS ?? 10);
const PODS = 200;
const ROUTES = 20;
const HOUR_S = 3600;

/** One window per pod, 20 routes of ~25 requests with spread latencies: a plausible one-second window. */
function fleetWindows(): WindowDocument[] {
  let x = 7;
  return Array.from({ length: PODS }, (_, p) => {
    const t = new RouteStatsTable();
    for (let r = 0; r < ROUTES; r++) {
      const s = t.get(`/api/v1/resource${r}/:id`, r % 4 === 3 ? 'POST' : 'GET');
      for (let i = 0; i < 25; i++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        s.record(x % 97 === 0 ? 503 : 200, 2 + (x % 200_000) / 1000, 200, 1500 + (x % 3000), false);
      }
    }
    return windowFromTable({ service: `svc-${p % 4}`, pod: `pod-${p}`, role: 'primary' }, 0, 1000, t);
  });
}

const at = (w: WindowDocument, second: number): WindowDocument => ({ ...w, start: second * 1000, end: second * 1000 + 1000 });

function cpuMs(fn: () => void): { wallMs: number; cpuMs: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const c = process.cpuUsage(c0);
  return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

/** `coreAt200`: the larger of wall and CPU time per second at 200 windows/s (a FULL commit's fsync blocks the event loop without using CPU). */
interface Variant { name: string; windowsPerS: number; cpuUsPerWindow: number; cpuAt200: number; coreAt200: number }

export async function benchStore(): Promise<{ markdown: string; checks: Check[] }> {
  const fleet = fleetWindows();
  const n = SECONDS * PODS;
  const variants: Variant[] = [];
  const record = (name: string, r: { wallMs: number; cpuMs: number }): Variant => {
    const v = { name, windowsPerS: n / (r.wallMs / 1000), cpuUsPerWindow: (r.cpuMs * 1000) / n, cpuAt200: r.cpuMs / 1000 / (n / 200), coreAt200: Math.max(r.wallMs, r.cpuMs) / 1000 / (n / 200) };
    variants.push(v);
    return v;
  };

  // Reference 1: what every window costs before any store (validation + JSON).
  const ref = record('reference: readDocument(window) + JSON.stringify', cpuMs(() => {
    for (let s = 0; s < SECONDS; s++) for (const w of fleet) JSON.stringify(readDocument(WINDOW_CONTRACT, at(w, s), 'bench'));
  }));
  // Reference 2: bare better-sqlite3 inserts of the JSON into :memory:, one transaction per fleet-second.
  const mem = new Database(':memory:');
  mem.exec('CREATE TABLE w (id INTEGER PRIMARY KEY, service TEXT, pod TEXT, start INTEGER, body TEXT)');
  const ins = mem.prepare('INSERT INTO w (service, pod, start, body) VALUES (?, ?, ?, ?)');
  const memTx = mem.transaction((ws: WindowDocument[]) => { for (const w of ws) ins.run(w.source.service, w.source.pod, w.start, JSON.stringify(w)); });
  record('reference: bare insert of the JSON into :memory:, per fleet-second', cpuMs(() => { for (let s = 0; s < SECONDS; s++) memTx(fleet.map((w) => at(w, s))); }));
  mem.close();

  const dirs: string[] = [];
  const run = (name: string, sync: 'full' | 'normal', perPod: boolean): { v: Variant; store: ControllerStore; dir: string } => {
    const dir = mkdtempSync(join(tmpdir(), 'st-bench-store-'));
    dirs.push(dir);
    const store = ControllerStore.open({ dataDir: dir, synchronous: sync, now: () => SECONDS * 1000 });
    const v = record(name, cpuMs(() => {
      for (let s = 0; s < SECONDS; s++) {
        // Each sidecar batch carries its sender and batch id, as the receiver's will (resends are de-duplicated in the same transaction).
        if (perPod) for (const w of fleet) store.appendWindows({ windows: [at(w, s)], sender: w.source.pod, batchId: String(s) });
        else for (const r of store.appendWindowBatches(fleet.map((w) => ({ windows: [at(w, s)], sender: w.source.pod, batchId: String(s) })))) if (!('windows' in r)) throw r;
      }
    }));
    return { v, store, dir };
  };
  try {
    const fullPod = run('store, synchronous FULL, one transaction per sidecar batch (1 window)', 'full', true);
    fullPod.store.close();
    const normalPod = run('store, synchronous NORMAL, one transaction per sidecar batch', 'normal', true);
    normalPod.store.close();
    const fullFleet = run('store, synchronous FULL, group commit: 200 sidecar batches per transaction (appendWindowBatches)', 'full', false);

    // Growth: bytes per raw window, then per minute rollup after rolling the same traffic up.
    const store = fullFleet.store;
    const before = store.stats();
    const bytesPerWindow = before.bytes / n;
    const roll = cpuMs(() => { for (;;) { const r = store.prune(SECONDS * 1000 + 3 * 60_000, 60_000); if (!r.more) break; } });
    const after = store.stats();
    const rollups = after.rows.rollups!;
    const rollupBytes = after.bytes - before.bytes + before.freeBytes - after.freeBytes;
    const services = 4;
    // Per hour of this traffic: raw windows, the minute buckets (per service) and hour buckets (per service).
    const rawPerHour = bytesPerWindow * PODS * HOUR_S;
    const minuteBucketBytes = rollups > 0 ? rollupBytes / rollups : 0;
    const minutePerHour = minuteBucketBytes * services * 60;
    const hourPerHour = minuteBucketBytes * services; // an hour bucket is about one merged minute bucket in size (same routes, wider histograms)
    const r = DEFAULT_RETENTION;
    const hours = (ms: number): number => ms / 3_600_000;
    const steady = rawPerHour * hours(r.rawMs) + minutePerHour * hours(r.tiers[0]!.keepMs) + hourPerHour * hours(r.tiers[1]!.keepMs);
    const rollupCpuPerWindowUs = (roll.cpuMs * 1000) / n;
    store.close();

    const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;
    const gb = (b: number): string => `${(b / 1e9).toFixed(2)} GB`;
    const append = table(['variant', 'windows/s (wall)', 'CPU µs/window', 'CPU core at 200 windows/s', 'event loop busy at 200 windows/s (max of wall, CPU)'],
      variants.map((v) => [v.name, Math.round(v.windowsPerS), Math.round(v.cpuUsPerWindow), v.cpuAt200.toFixed(3), v.coreAt200.toFixed(3)]));
    const growth = table(['what', 'figure'], [
      ['bytes per raw window (20 routes, compressed body + row + indexes)', Math.round(bytesPerWindow)],
      ['raw windows per hour of this traffic (200 pods × 1/s)', gb(rawPerHour)],
      [`minute rollup bucket (per service, ${PODS / services} pods)`, `${Math.round(minuteBucketBytes)} B`],
      ['minute rollups per hour (4 services)', mb(minutePerHour)],
      ['rollup CPU per raw window (folded as mergeWindows does, into minute buckets)', `${Math.round(rollupCpuPerWindowUs)} µs`],
      ['core needed to roll up 200 windows/s', (rollupCpuPerWindowUs * 200 / 1e6).toFixed(2)],
      [`steady-state size with the default retention (raw ${hours(r.rawMs)} h, 1-min ${hours(r.tiers[0]!.keepMs) / 24} d, 1-h ${hours(r.tiers[1]!.keepMs) / 24} d)`, gb(steady)],
    ]);
    const checks: Check[] = [
      {
        name: 'append, FULL, per sidecar batch: event loop busy at 200 windows/s',
        value: fullPod.v.coreAt200.toFixed(3),
        reference: `validation + JSON alone: ${ref.coreAt200.toFixed(3)}`,
        target: '≤ 0.25 (half the controller\'s 0.5-core budget)',
        pass: fullPod.v.coreAt200 <= 0.25,
      },
      {
        name: 'append, FULL, group commit (a fleet-second per transaction): event loop busy at 200 windows/s',
        value: fullFleet.v.coreAt200.toFixed(3),
        reference: `validation + JSON alone: ${ref.coreAt200.toFixed(3)}`,
        target: '≤ 0.25',
        pass: fullFleet.v.coreAt200 <= 0.25,
      },
      {
        name: 'append, FULL, group commit of a fleet-second vs bare :memory: insert',
        value: `${Math.round(fullFleet.v.cpuUsPerWindow)} µs/window`,
        reference: `${Math.round(variants[1]!.cpuUsPerWindow)} µs/window`,
        target: 'info',
      },
      {
        name: 'rollup: core to keep up with 200 windows/s',
        value: (rollupCpuPerWindowUs * 200 / 1e6).toFixed(2),
        reference: `append (FULL, per batch): ${fullPod.v.coreAt200.toFixed(3)}`,
        target: '≤ 0.25',
        pass: rollupCpuPerWindowUs * 200 / 1e6 <= 0.25,
      },
      { name: 'DB growth per hour (raw windows, this traffic)', value: gb(rawPerHour), target: 'info' },
      { name: 'steady-state size, default retention', value: gb(steady), target: 'info' },
    ];
    return { markdown: `${append}\n\n${growth}\n\n${checksTable(checks)}`, checks };
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
