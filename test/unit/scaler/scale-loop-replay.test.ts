import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDocument, SCALE_LOOP_STATE_CONTRACT, SCALE_RECORD_CONTRACT } from '../../../src/common/index.js';
import { benchScaleLoop, recordedRound, type RecordedRound, type ScalingRecording } from '../../../bench/lib/scaling-loop.js';
import type { Actuator, ScaleLoop } from '../../../src/scaler/index.js';

/**
 * Windows and rounds recorded by the scaling benchmark itself
 * (BENCH_SCALING_RECORD, a short time-compressed run): what the sidecar
 * received each second, and what the library's loop saw (the cluster's
 * replicas) and decided at each round.
 */
const recording = JSON.parse(readFileSync(new URL('../../fixtures/scaling-bench-rounds.json', import.meta.url), 'utf8')) as ScalingRecording;

/** The cluster as the benchmark's loop saw it: the recorded replicas at each round. */
function replayCluster(): Actuator & { at: number } {
  return { name: 'replay', at: 0, async current() { return recording.rounds[this.at]!.current; }, async apply(n) { return `would scale to ${n}`; } };
}

/** Feeds the windows of rounds [from, to) and runs those rounds; returns what each decided. */
async function replay(loop: ScaleLoop, cluster: ReturnType<typeof replayCluster>, from: number, to: number): Promise<RecordedRound[]> {
  const out: RecordedRound[] = [];
  let fed = from === 0 ? 0 : recording.rounds[from - 1]!.windowsFed;
  for (let i = from; i < to; i++) {
    const r = recording.rounds[i]!;
    loop.feed(recording.windows.slice(fed, r.windowsFed));
    fed = r.windowsFed;
    cluster.at = i;
    out.push(recordedRound(r.now, r.windowsFed, r.current, await loop.round(r.now)));
  }
  return out;
}

/** The policy's decision (validation outcomes are the benchmark's, not replayable without its staging copy). */
const decisions = (rs: RecordedRound[]): unknown[] => rs.map((r) => ({ now: r.now, current: r.current, ...r.policy }));

describe('the scale loop replays the benchmark', () => {
  it('the recording is a real ramp: rounds, scale-ups, windows', () => {
    expect(recording.kind).toBe('shadowtwin.bench-scaling-recording');
    expect(recording.rounds.length).toBeGreaterThanOrEqual(5);
    expect(recording.rounds.some((r) => r.policy.change === 'up')).toBe(true);
    // One window a second of a ramp: the load at the end is well above the start.
    const rate = (w: ScalingRecording['windows'][number]): number => w.routes.reduce((a, r) => a + r.requests, 0) / ((w.end - w.start) / 1000);
    expect(recording.windows.length).toBeGreaterThanOrEqual(20);
    const mean = (ws: ScalingRecording['windows']): number => ws.reduce((a, w) => a + rate(w), 0) / ws.length;
    expect(mean(recording.windows.slice(-5))).toBeGreaterThan(1.4 * mean(recording.windows.slice(0, 5)));
  });

  it('fed the recorded windows, the loop decides exactly as the benchmark did', async () => {
    const cluster = replayCluster();
    const loop = benchScaleLoop(recording.settings, cluster);
    const got = await replay(loop, cluster, 0, recording.rounds.length);
    expect(decisions(got)).toEqual(decisions(recording.rounds));
  });

  it('state export → restore → the next rounds decide as the uninterrupted loop', async () => {
    const n = recording.rounds.length;
    const half = Math.floor(n / 2);
    const c1 = replayCluster();
    const whole = benchScaleLoop(recording.settings, c1);
    const uninterrupted = await replay(whole, c1, 0, n);

    const c2 = replayCluster();
    const before = benchScaleLoop(recording.settings, c2);
    const first = await replay(before, c2, 0, half);
    // Through JSON, as a controller persists it, and validated as the contract on the way back.
    const saved = JSON.parse(JSON.stringify(before.exportState())) as unknown;
    expect(readDocument(SCALE_LOOP_STATE_CONTRACT, saved, 'saved state').decisions).toHaveLength(Math.min(half, 20));
    const c3 = replayCluster();
    const after = benchScaleLoop(recording.settings, c3);
    after.restoreState(saved);
    const second = await replay(after, c3, half, n);
    expect(decisions([...first, ...second])).toEqual(decisions(uninterrupted));
    // And ends in the same state (rates, feedback, recent decisions, last change), but for when it was saved.
    const { savedAt: _a, decisions: d1, ...endA } = after.exportState();
    const { savedAt: _b, decisions: d2, ...endB } = whole.exportState();
    expect(endA).toEqual(endB);
    expect(d1.map((d) => d.proposal)).toEqual(d2.map((d) => d.proposal));
    for (const d of after.records) expect(readDocument(SCALE_RECORD_CONTRACT, d, 'record').proposal.target).toBe('bench');

    // Without the state, the restarted loop decides differently (the test can fail): no history, no trend.
    const c4 = replayCluster();
    const fresh = benchScaleLoop(recording.settings, c4);
    const cold = await replay(fresh, c4, half, n);
    expect(decisions(cold)).not.toEqual(decisions(uninterrupted.slice(half)));
  });

});
