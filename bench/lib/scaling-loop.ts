/**
 * The scaling benchmark's predictive loop, shared by the benchmark and the
 * replay test: `ScaleLoop` with the benchmark's policy, fed one window per
 * second of the load the sidecar receives, and the recording a run writes
 * (BENCH_SCALING_RECORD=file) so the test can replay its windows and check
 * the library decides exactly as the benchmark did.
 */
import { RouteStatsTable, windowFromTable, type WindowDocument } from '../../src/common/index.js';
import { DEFAULT_POLICY, ScaleLoop, type Actuator, type ScaleRecord, type ValidationConfig } from '../../src/scaler/index.js';

export interface BenchLoopSettings {
  capacityPerReplica: number;
  targetUtilization: number;
  maxReplicas: number;
  /** Replica start-up plus the validation run: how far ahead a proposal must plan. */
  leadTimeMs: number;
  /** The decision period (the HPA's sync period, compressed). */
  syncMs: number;
}

export function benchScaleLoop(s: BenchLoopSettings, actuator: Actuator, validation?: ValidationConfig): ScaleLoop {
  return new ScaleLoop({
    target: 'bench', capacityPerReplica: s.capacityPerReplica, actuator, validation, intervalMs: s.syncMs,
    policy: { ...DEFAULT_POLICY, leadTimeMs: s.leadTimeMs, lookAheadMs: s.syncMs, headroom: 1, targetUtilization: s.targetUtilization, maxReplicas: s.maxReplicas, cooldownMs: 0 },
  });
}

/**
 * One second of arrivals at the sidecar as a primary-role window (counts
 * only: the sidecar's own windows are not exported yet, so the benchmark
 * counts what the generator sent it, as before).
 */
export function arrivalsWindow(start: number, stepMs: number, requests: number): WindowDocument {
  const table = new RouteStatsTable(1);
  table.get('/work', 'GET').requests = requests;
  return windowFromTable({ service: 'bench', pod: 'sidecar', role: 'primary' }, start, start + stepMs, table);
}

/** What one round saw and decided (the policy's decision, before validation). */
export interface RecordedRound {
  now: number;
  /** Windows fed before the round. */
  windowsFed: number;
  /** Replicas the cluster reported. */
  current: number;
  decision: ScaleRecord['decision'];
  policy: Pick<ScaleRecord['policy'], 'replicas' | 'desired' | 'expectedRate' | 'change' | 'reason'>;
}

export interface ScalingRecording {
  kind: 'shadowtwin.bench-scaling-recording';
  settings: BenchLoopSettings;
  windows: WindowDocument[];
  rounds: RecordedRound[];
}

export function recordedRound(now: number, windowsFed: number, current: number, r: ScaleRecord): RecordedRound {
  const { replicas, desired, expectedRate, change, reason } = r.policy;
  return { now, windowsFed, current, decision: r.decision, policy: { replicas, desired, expectedRate, change, reason } };
}
