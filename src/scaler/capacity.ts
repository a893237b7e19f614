import { EventEmitter } from 'node:events';
import { ShadowtwinError } from '../common/index.js';
import { parseScenario, prepareRun, unansweredRun, type RunReport, type ScenarioInput, type Threshold } from '../generator/index.js';

export interface CapacityTrial { rate: number; pass: boolean; achievedRate: number; p50: number; p99: number; errorRate: number; failed: string[]; routes: RunReport['routes'] }

export interface CapacityResult {
  /** Highest tested rate that met the SLO. */
  sustainableRate: number;
  /** Highest rate whose p99 stayed within 1.5× of the lightest load's: where latency starts to climb. */
  kneeRate: number;
  perReplica?: number;
  /**
   * Routes ranked by how many milliseconds their p99 grew between the last
   * passing and the first failing rate (`growth` is the ratio, for reading).
   * Ranking by the ratio put a 1 → 10 ms route ahead of a 50 → 300 ms one.
   */
  bottlenecks: Array<{ route: string; method: string; p99Pass: number; p99Fail: number; growth: number }>;
  trials: CapacityTrial[];
}

export interface CapacityOptions {
  /** Target, source, headers, faults: the synthetic load to use (load and duration are set per trial). */
  scenario: Omit<ScenarioInput, 'load' | 'thresholds' | 'duration'>;
  slo: Array<string | Threshold>;
  startRate: number;
  maxRate: number;
  /** Length of each trial (default 10 s). */
  trialDuration?: string | number;
  /** Stop when the bracket is this tight (hi/lo − 1, default 0.1). */
  tolerance?: number;
  replicas?: number;
}

/**
 * Finds the highest rate that meets the SLO: doubles from `startRate` until a
 * trial fails, then bisects the bracket. Each trial is a real open-model run
 * (honest latency), recorded as a point of the latency/throughput curve.
 * A trial in which no request got an HTTP answer stops the search with
 * ST_ERR_TARGET_UNREACHABLE: it measured the network, not the service.
 * Events: `trial-start` ({ rate, index }), `trial` (the result).
 */
export async function findCapacity(o: CapacityOptions, events: EventEmitter = new EventEmitter()): Promise<CapacityResult> {
  const trials: CapacityTrial[] = [];
  const trial = async (rate: number): Promise<CapacityTrial> => {
    events.emit('trial-start', { rate, index: trials.length });
    const r = await (await prepareRun(parseScenario({ ...o.scenario, duration: o.trialDuration ?? '10s', load: { executor: 'constant-rate', rate }, thresholds: o.slo, maxRate: Math.max(o.maxRate * 1.01, 10) }))).execute();
    const unanswered = unansweredRun(r);
    if (unanswered) throw new ShadowtwinError('ST_ERR_TARGET_UNREACHABLE', `capacity trial at ${rate} req/s: ${unanswered}`);
    const t: CapacityTrial = {
      rate, pass: r.pass, achievedRate: r.summary.achievedRate, p50: r.summary.latencyMs.p50, p99: r.summary.latencyMs.p99,
      errorRate: r.summary.requests ? r.summary.errors / r.summary.requests : 0,
      failed: r.thresholds.filter((x) => !x.pass).map((x) => x.expr), routes: r.routes,
    };
    trials.push(t);
    events.emit('trial', t);
    return t;
  };
  let lo = 0;
  let hi = 0;
  for (let rate = o.startRate; ; rate = Math.min(o.maxRate, rate * 2)) {
    const t = await trial(rate);
    if (t.pass) lo = rate;
    else { hi = rate; break; }
    if (rate >= o.maxRate) break;
  }
  const tol = o.tolerance ?? 0.1;
  while (hi > 0 && lo > 0 && hi / lo - 1 > tol) {
    const mid = Math.round((lo + hi) / 2);
    if ((await trial(mid)).pass) lo = mid;
    else hi = mid;
  }
  const sorted = [...trials].sort((a, b) => a.rate - b.rate);
  const baseP99 = sorted[0]?.p99 ?? 0;
  const knee = sorted.filter((t) => t.pass && t.p99 <= 1.5 * baseP99).reduce((m, t) => Math.max(m, t.rate), 0);
  const lastPass = sorted.filter((t) => t.pass).at(-1);
  const firstFail = sorted.find((t) => !t.pass && (!lastPass || t.rate > lastPass.rate));
  const bottlenecks = lastPass && firstFail
    ? firstFail.routes.map((f) => {
      const p = lastPass.routes.find((x) => x.route === f.route && x.method === f.method);
      const p99Pass = p?.latencyMs.p99 ?? 0;
      return { route: f.route, method: f.method, p99Pass, p99Fail: f.latencyMs.p99, growth: p99Pass > 0 ? Math.round((f.latencyMs.p99 / p99Pass) * 100) / 100 : Infinity };
    }).sort((a, b) => (b.p99Fail - b.p99Pass) - (a.p99Fail - a.p99Pass))
    : [];
  return { sustainableRate: lo, kneeRate: knee, ...(o.replicas ? { perReplica: Math.round((lo / o.replicas) * 100) / 100 } : {}), bottlenecks, trials };
}
