/**
 * Predictive vs reactive scaling (issue 6), time-compressed ×10: load doubles
 * from 100 to 200 req/s over 60 s (10 minutes) and holds for 20 s, Poisson
 * arrivals, against capacity-limited workers (5 at a time × 100 ms: ~50 req/s
 * each; 3 to start) behind the sidecar's membership set; a replica is ready
 * 12 s (2 min) after it is requested. Both policies decide every 1.5 s (the
 * HPA's 15 s sync period) at 80% target utilisation:
 *  - reactive: the HPA with its defaults (`HpaReference`: rate averaged over
 *    30 s, 10% tolerance, scale-up limits, 5-minute down-stabilisation);
 *  - predictive: the scaling library's loop (`ScaleLoop`, as `shadowtwin
 *    scale` and a controller run it), fed one primary-role window per second
 *    of the load the sidecar receives: `decide` on the damped-trend forecast
 *    of that observed rate, for when a replica proposed now is ready
 *    (validation + start-up), through the membership actuator; each
 *    scale-up validated first
 *    with synthetic load at the proposal's expected rate against a staging
 *    copy (its own workers and sidecar) at the proposed size (20 s, the SLO as
 *    thresholds, one size up on failure); a proposal no size passes is
 *    rejected (not applied) and counted.
 * Each policy runs BENCH_SCALING_RUNS times (3), interleaved (predictive,
 * reactive, predictive, …): the reference is the other policy in the same
 * run, and the table gives medians with the spread.
 * Reported in uncompressed minutes: SLO-violation minutes (a second whose
 * p99 > 250 ms or errors > 1%), replica-minutes (billed from the request, as
 * pods are), and the lead time of scale-ups (capacity ready minus the moment
 * the scheduled load outgrew the previous size's full capacity; + = ahead).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseScenario, prepareRun } from '../src/generator/index.js';
import { freePort, startProcess, waitForPort, type Proc } from './lib/processes.js';
import { HpaReference, MembershipActuator, type Actuator, type ScaleRecord } from '../src/scaler/index.js';
import { arrivalsWindow, benchScaleLoop, recordedRound, type ScalingRecording } from './lib/scaling-loop.js';
import { checksTable, median, spread, table, type Check } from './lib/table.js';

/** Time compression: 10 by default; larger values only make a quick smoke run (figures not comparable). */
const COMPRESSION = Number(process.env.BENCH_SCALING_COMPRESSION ?? 10);
const RUNS = Number(process.env.BENCH_SCALING_RUNS ?? 3);
const RECORD = process.env.BENCH_SCALING_RECORD;
const CAPACITY = 50; // req/s per worker (5 at a time × 100 ms)
const SLO_P99_MS = 250;
const START_REPLICAS = 3;
const MAX_REPLICAS = 8;
const LEAD_MS = 120_000 / COMPRESSION; // 2 minutes uncompressed: a realistic pod start-up
const SYNC_MS = 15_000 / COMPRESSION; // the HPA's 15 s sync period
const VALIDATION_MS = 20_000 / COMPRESSION; // scaleRound's default validation run
/** The generator's warm-up before each validation run (500 ms, real time: not compressed). */
const VALIDATION_WARM_UP_MS = 500;
/** A validated scale-up is requested after its validation run: the predictive policy plans that much further ahead. */
const PREDICTIVE_LEAD_MS = LEAD_MS + VALIDATION_MS + VALIDATION_WARM_UP_MS;
const TARGET_UTIL = 0.8;
const RAMP_FROM = 100;
const RAMP_TO = 200;
const RAMP_MS = 600_000 / COMPRESSION;
const HOLD_MS = 200_000 / COMPRESSION;
const SETTINGS = { capacityPerReplica: CAPACITY, targetUtilization: TARGET_UTIL, maxReplicas: MAX_REPLICAS, leadTimeMs: PREDICTIVE_LEAD_MS, syncMs: SYNC_MS };
if (!(COMPRESSION > 0) || !(RUNS >= 1) || !Number.isInteger(RUNS)) throw new Error('BENCH_SCALING_COMPRESSION must be > 0 and BENCH_SCALING_RUNS an integer ≥ 1');

async function startPool(n: number): Promise<{ urls: string[]; stop(): void }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./targets/worker-pool.js', import.meta.url)), String(n)], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CONCURRENCY: '5', SERVICE_MS: '100' } });
  const urls = await new Promise<string[]>((resolve) => child.stdout.once('data', (d) => resolve(JSON.parse(String(d)) as string[])));
  return { urls, stop: () => child.kill() };
}

interface RunStats { violationMinutes: number; replicaMinutes: number; leadTimesS: number[]; scaleUps: number; maxReplicas: number; proposals?: number; rejected?: number }

/** The sidecar in front of the workers takes the generator's (tagged) load: role secondary. */
async function startSidecar(primaries: string[]): Promise<{ proxy: string; admin: string; proc: Proc }> {
  const port = await freePort();
  const adminPort = await freePort();
  const proc = startProcess(fileURLToPath(new URL('../src/cli/index.js', import.meta.url)), ['sidecar', '--listen', `127.0.0.1:${port}`, '--admin', `127.0.0.1:${adminPort}`, '--primary', primaries.join(','), '--role', 'secondary', '--log-level', 'warn']);
  await waitForPort(port);
  return { proxy: `http://127.0.0.1:${port}`, admin: `http://127.0.0.1:${adminPort}`, proc };
}

async function runOnce(mode: 'predictive' | 'reactive', recording?: ScalingRecording): Promise<RunStats> {
  const pool = await startPool(MAX_REPLICAS);
  // The sidecar runs as its own process (as in production), not in the generator's event loop.
  const sidecar = await startSidecar(pool.urls.slice(0, START_REPLICAS));
  const act = new MembershipActuator(sidecar.admin, pool.urls);
  // The predictive policy validates on a staging copy: its own workers behind its own sidecar.
  const staging = mode === 'predictive' ? await startPool(MAX_REPLICAS) : undefined;
  const stagingSidecar = staging ? await startSidecar(staging.urls.slice(0, START_REPLICAS)) : undefined;
  const stagingAct = staging && stagingSidecar ? new MembershipActuator(stagingSidecar.admin, staging.urls) : undefined;
  let ready = START_REPLICAS; // replicas in rotation
  let requested = START_REPLICAS;
  const replicaTimeline: Array<{ t: number; replicas: number }> = [{ t: 0, replicas: START_REPLICAS }];
  const prepared = await prepareRun(parseScenario({
    target: sidecar.proxy, duration: RAMP_MS + HOLD_MS, seed: 5,
    load: { executor: 'ramping-rate', poisson: true, startRate: RAMP_FROM, stages: [{ duration: RAMP_MS, target: RAMP_TO }, { duration: HOLD_MS, target: RAMP_TO }] },
    source: { path: '/work' }, http: { connections: 256, timeout: '10s' },
  }));
  const hpa = new HpaReference({ targetUtilization: TARGET_UTIL, capacityPerReplica: CAPACITY, minReplicas: 1, maxReplicas: MAX_REPLICAS, syncPeriodMs: SYNC_MS, metricWindowMs: 30_000 / COMPRESSION, downStabilizationMs: 300_000 / COMPRESSION });
  const t0 = Date.now();
  const readyAt: Array<{ t: number; replicas: number }> = [];
  const records: ScaleRecord[] = [];
  const failures: unknown[] = [];
  // Start-ups still pending when the run ends are cancelled: their sidecar is gone (one firing after
  // it stopped crashed a run with an unhandled ECONNREFUSED).
  const startUps = new Set<NodeJS.Timeout>();
  const membershipFailures: unknown[] = [];
  let ended = false;
  /** Scale-up as the cluster does it: billed from the request, in rotation after the lead time. */
  const requestUp = (want: number): void => {
    requested = want;
    replicaTimeline.push({ t: Date.now() - t0, replicas: want });
    const startUp = setTimeout(() => { // the new replicas become ready after the lead time
      startUps.delete(startUp);
      if (want > ready) {
        ready = want;
        readyAt.push({ t: Date.now() - t0, replicas: want });
        act.apply(want, mode).catch((err: unknown) => { if (!ended) membershipFailures.push(err); });
      }
    }, LEAD_MS);
    startUps.add(startUp);
  };
  const cluster: Actuator = {
    name: 'bench-cluster',
    current: async () => requested,
    apply: async (replicas) => {
      const want = Math.min(MAX_REPLICAS, replicas);
      if (want > requested) requestUp(want);
      return `requested ${want}`;
    },
  };
  // The predictive policy is the library's loop, through the membership actuator (via the start-up delay above).
  const loop = mode === 'predictive' ? benchScaleLoop(SETTINGS, cluster, {
    prepare: async (replicas) => { await stagingAct!.apply(replicas, 'validation'); },
    scenario: { target: stagingSidecar!.proxy, duration: VALIDATION_MS, source: { path: '/work' }, http: { connections: 64, timeout: '10s' } },
    slo: [`p99 < ${SLO_P99_MS}ms`, 'errors < 1%'],
    maxAttempts: 2,
  }) : undefined;
  let windowsFed = 0;
  let lastSecondSeen = -1;
  let lastDecision = -Infinity;
  let deciding = false;
  const timer = setInterval(() => {
    const t = Date.now() - t0;
    // Complete seconds' arrivals (cheap: timeline() would compute percentiles of every second and stall the generator).
    const rec = prepared.run.recorder;
    for (let s = lastSecondSeen + 1; s <= rec.secondsRecorded - 2; s++) {
      hpa.observe(s * 1000, rec.intendedIn(s));
      if (loop) {
        const w = arrivalsWindow(t0 + s * 1000, 1000, rec.intendedIn(s));
        loop.feed(w);
        recording?.windows.push(w);
        windowsFed++;
      }
      lastSecondSeen = s;
    }
    if (deciding || t - lastDecision < SYNC_MS || lastSecondSeen < 0) return;
    lastDecision = t;
    if (!loop) {
      const desired = hpa.decide(t, requested);
      if (desired > requested) requestUp(Math.min(MAX_REPLICAS, desired));
      return;
    }
    // A round (validation included) may outlast the sync period: the next one waits for it.
    deciding = true;
    const now = t0 + t;
    const fed = windowsFed;
    const current = requested;
    loop.round(now).then((r) => {
      records.push(r);
      recording?.rounds.push(recordedRound(now, fed, current, r));
    }, (err: unknown) => { failures.push(err); }).finally(() => { deciding = false; });
  }, 100);
  const report = await prepared.execute();
  clearInterval(timer);
  while (deciding) await new Promise((r) => setTimeout(r, 50));
  ended = true;
  for (const t of startUps) clearTimeout(t);
  if (process.env.BENCH_SCALING_DEBUG) process.stderr.write(`${mode}: ${report.timeline.map((p) => `${p.t}:${p.intended}/${Math.round(p.p99)}`).join(' ')}\nready at ${JSON.stringify(readyAt)}\n`);
  await sidecar.proc.stop();
  await stagingSidecar?.proc.stop();
  pool.stop();
  staging?.stop();
  if (membershipFailures.length) throw new Error(`${mode} run: ${membershipFailures.length} membership change(s) failed: ${membershipFailures.map(String).join('; ')}`);
  if (failures.length) throw new Error(`predictive run: ${failures.length} scale round(s) failed: ${failures.map(String).join('; ')}`);
  // Violations per second of the run.
  const bad = report.timeline.filter((p) => p.completed > 0 && (p.p99 > SLO_P99_MS || p.errors / p.completed > 0.01)).length;
  // Replica time (requested replicas are billed from the request, as pods are).
  const end = report.timeline.length * 1000;
  let replicaMs = 0;
  for (let i = 0; i < replicaTimeline.length; i++) replicaMs += replicaTimeline[i]!.replicas * ((replicaTimeline[i + 1]?.t ?? end) - replicaTimeline[i]!.t);
  // Lead time: capacity ready minus when the scheduled load (the ramp, known here) crossed what the
  // previous size carries at full capacity; positive = ready before it was needed. Sizes the ramp never
  // outgrew (no crossing) have no lead time.
  const leadTimesS: number[] = [];
  let prev = START_REPLICAS;
  for (const r of readyAt) {
    const full = prev * CAPACITY;
    if (full < RAMP_TO) {
      const crossMs = ((full - RAMP_FROM) / (RAMP_TO - RAMP_FROM)) * RAMP_MS;
      leadTimesS.push(Math.round(((Math.max(0, crossMs) - r.t) / 1000) * COMPRESSION));
    }
    prev = r.replicas;
  }
  const stats: RunStats = { violationMinutes: (bad * COMPRESSION) / 60, replicaMinutes: (replicaMs / 1000 / 60) * COMPRESSION, leadTimesS, scaleUps: readyAt.length, maxReplicas: ready };
  if (mode === 'predictive') {
    // Proposals that went to validation (scale-ups), and those no size passed.
    stats.proposals = records.filter((r) => r.attempts.length > 0).length;
    stats.rejected = records.filter((r) => r.decision === 'rejected').length;
  }
  return stats;
}

export async function benchScaling(): Promise<{ markdown: string; checks: Check[] }> {
  const runs: Record<'predictive' | 'reactive', RunStats[]> = { predictive: [], reactive: [] };
  const recording: ScalingRecording | undefined = RECORD ? { kind: 'shadowtwin.bench-scaling-recording', settings: SETTINGS, windows: [], rounds: [] } : undefined;
  for (let i = 0; i < RUNS; i++) {
    for (const mode of ['predictive', 'reactive'] as const) {
      const r = await runOnce(mode, mode === 'predictive' && i === 0 ? recording : undefined);
      if (recording && mode === 'predictive' && i === 0) writeFileSync(RECORD!, JSON.stringify(recording) + '\n');
      runs[mode].push(r);
      process.stderr.write(`  run ${i + 1} ${mode}: ${r.violationMinutes.toFixed(2)} SLO-violation min, ${r.replicaMinutes.toFixed(1)} replica-min, lead ${r.leadTimesS.join(',') || '—'} s${mode === 'predictive' ? `, ${r.rejected}/${r.proposals} proposals rejected` : ''}\n`);
    }
  }
  const med = (mode: 'predictive' | 'reactive', k: 'violationMinutes' | 'replicaMinutes'): number => median(runs[mode].map((r) => r[k]));
  const row = (name: string, mode: 'predictive' | 'reactive'): Array<string | number> => {
    const rs = runs[mode];
    return [name, spread(rs.map((r) => r.violationMinutes)), spread(rs.map((r) => r.replicaMinutes), 1), spread(rs.map((r) => r.scaleUps), 0), spread(rs.map((r) => r.maxReplicas), 0),
      rs.map((r) => (r.leadTimesS.length ? r.leadTimesS.join(', ') : '—')).join(' / '),
      mode === 'predictive' ? rs.map((r) => `${r.rejected} of ${r.proposals}`).join(' / ') : 'n/a (no validation)'];
  };
  const pv = med('predictive', 'violationMinutes');
  const rv = med('reactive', 'violationMinutes');
  const fewer = rv > 0 ? 1 - pv / rv : 0;
  const cost = med('predictive', 'replicaMinutes') / Math.max(1e-9, med('reactive', 'replicaMinutes'));
  const rejected = runs.predictive.reduce((a, r) => a + (r.rejected ?? 0), 0);
  const proposals = runs.predictive.reduce((a, r) => a + (r.proposals ?? 0), 0);
  const checks: Check[] = [
    // If the reactive runs never breach, the scenario does not discriminate: say so rather than claim 100%.
    rv === 0
      ? { name: `SLO-violation minutes, predictive (median of ${RUNS})`, value: `${pv.toFixed(2)}: not demonstrated (the reactive policy did not breach here)`, reference: 'reactive (HPA defaults) 0.00', target: '≥ 50% fewer', pass: false }
      : { name: `SLO-violation minutes, predictive (median of ${RUNS})`, value: `${pv.toFixed(2)} (${Math.abs(fewer * 100).toFixed(0)}% ${fewer >= 0 ? 'fewer' : 'more'})`, reference: `reactive (HPA defaults) ${rv.toFixed(2)}`, target: '≥ 50% fewer', pass: fewer >= 0.5 },
    { name: `replica-minutes, predictive (median of ${RUNS})`, value: `${med('predictive', 'replicaMinutes').toFixed(1)} (${cost.toFixed(2)}×)`, reference: `reactive (HPA defaults) ${med('reactive', 'replicaMinutes').toFixed(1)}`, target: '≤ 1.10×', pass: cost <= 1.1 },
    { name: 'predictive scale-up proposals rejected by validation', value: `${rejected} of ${proposals}`, reference: 'staging copy at the proposed size, same run', target: '(information)' },
  ];
  return {
    markdown: [
      `### Predictive vs reactive scaling (load ${RAMP_FROM} → ${RAMP_TO} req/s over 10 min, ×${COMPRESSION} time compression; ~${CAPACITY} req/s per replica, ${START_REPLICAS} to start; ${(LEAD_MS * COMPRESSION) / 1000} s replica start-up; SLO p99 < ${SLO_P99_MS} ms, errors < 1%; both at ${TARGET_UTIL * 100}% target utilisation; ${RUNS} runs per policy, interleaved; median (min–max), per-run lists separated by /)`,
      table(['policy', 'SLO-violation minutes', 'replica-minutes', 'scale-ups', 'max replicas', 'lead time of scale-ups (s, + = ahead)', 'rejected proposals (of validated)'], [row('reactive (HPA defaults)', 'reactive'), row('predictive (damped trend, lead time, validated)', 'predictive')]),
      '',
      checksTable(checks),
    ].join('\n'),
    checks,
  };
}
