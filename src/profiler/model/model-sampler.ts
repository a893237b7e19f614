import { decodeHistogram } from '../../common/histogram.js';
import { seededRandom, type Random } from '../../common/random.js';
import { upgradeModel } from './model-version.js';
import { stepCounts } from './rate-series.js';
import { SESSION_EXIT, type RequestModel, type RequestModelV1, type RouteModel } from './request-model.js';

/** Inverse CDF of an HDR histogram at 0.1% resolution, linear in between. */
export class QuantileTable {
  private readonly q: Float64Array;
  constructor(encoded: string, offset = 0) {
    const h = decodeHistogram(encoded);
    this.q = new Float64Array(1001);
    for (let i = 0; i <= 1000; i++) this.q[i] = h.totalCount === 0 ? 0 : h.getValueAtPercentile(i / 10) - offset;
  }
  sample(u: number): number {
    const x = u * 1000;
    const i = Math.floor(x);
    if (i >= 1000) return this.q[1000]!;
    return this.q[i]! + (this.q[i + 1]! - this.q[i]!) * (x - i);
  }
}

function pickWeighted<T>(items: readonly T[], cumulative: Float64Array, u: number): T {
  const target = u * cumulative[cumulative.length - 1]!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! <= target) lo = mid + 1;
    else hi = mid;
  }
  return items[lo]!;
}

class Categorical {
  private readonly keys: string[];
  private readonly cum: Float64Array;
  constructor(counts: Record<string, number>) {
    this.keys = Object.keys(counts);
    this.cum = new Float64Array(this.keys.length);
    let acc = 0;
    this.keys.forEach((k, i) => { acc += counts[k]!; this.cum[i] = acc; });
  }
  get empty(): boolean { return this.keys.length === 0; }
  sample(u: number): string { return pickWeighted(this.keys, this.cum, u); }
}

export interface SampledRequest {
  ts: number;
  method: string;
  route: string;
  path: string;
  status: number;
  reqBytes: number;
  resBytes: number;
  userAgent: string;
  session?: number;
}

interface RouteSampler { route: RouteModel; req: QuantileTable; res: QuantileTable; status: Categorical; ua: Categorical; next: number }

/**
 * Draws synthetic requests from a model, seeded: routes by weight, paths
 * from the observed pool (parameter values as seen), sizes from the size
 * distributions, status and user agent by their mixes. `sample(n)` also
 * synthesises time: sessions start following the observed rate shape and walk
 * the Markov chain with sampled think times (or Poisson arrivals when the
 * model has no sessions); each session keeps one user agent.
 */
export class ModelSampler {
  private readonly model: RequestModel;
  private readonly random: Random;
  private readonly byKey = new Map<string, RouteSampler>();
  private readonly routeKeys: string[];
  private readonly routeCum: Float64Array;

  constructor(model: RequestModel | RequestModelV1, seed = 1) {
    model = upgradeModel(model);
    this.model = model;
    this.random = seededRandom(seed);
    this.routeKeys = model.routes.map((r) => `${r.method} ${r.route}`);
    this.routeCum = new Float64Array(model.routes.length);
    let acc = 0;
    model.routes.forEach((r, i) => {
      acc += r.requests;
      this.routeCum[i] = acc;
      this.byKey.set(this.routeKeys[i]!, { route: r, req: new QuantileTable(r.reqBytes, 1), res: new QuantileTable(r.resBytes, 1), status: new Categorical(r.status), ua: new Categorical(r.userAgents), next: 0 });
    });
  }

  /** One request for route key `METHOD route`, or by route weight. */
  request(key?: string): Omit<SampledRequest, 'ts'> {
    const k = key && this.byKey.has(key) ? key : pickWeighted(this.routeKeys, this.routeCum, this.random());
    const s = this.byKey.get(k)!;
    const path = s.route.paths.length ? s.route.paths[Math.floor(this.random() * s.route.paths.length)]! : s.route.route;
    return {
      method: s.route.method, route: s.route.route, path,
      status: Number(s.status.empty ? 200 : s.status.sample(this.random())),
      reqBytes: Math.max(0, Math.round(s.req.sample(this.random()))),
      resBytes: Math.max(0, Math.round(s.res.sample(this.random()))),
      userAgent: s.ua.empty ? 'other' : s.ua.sample(this.random()),
    };
  }

  /** n requests with timestamps over the model's window, sorted by time. */
  sample(n: number): SampledRequest[] {
    const m = this.model;
    const stepMs = m.rate.stepMs;
    // Populated steps only: a draw costs a binary search over them, whatever the window.
    const steps = stepCounts(m.rate);
    const cum = new Float64Array(steps.counts.length);
    steps.counts.reduce((acc, c, i) => (cum[i] = acc + c), 0);
    const startTime = (): number => (steps.slots.length === 0 ? 0 : (pickWeighted(steps.slots, cum, this.random()) + this.random()) * stepMs);
    const out: SampledRequest[] = [];
    if (!m.sessions) {
      for (let i = 0; i < n; i++) out.push({ ts: startTime(), ...this.request() });
      return out.sort((a, b) => a.ts - b.ts);
    }
    const first = new Categorical(m.sessions.start);
    const next = new Map(Object.entries(m.sessions.transitions).map(([k, v]) => [k, new Categorical(v)]));
    const think = new QuantileTable(m.sessions.thinkTimeMs);
    // A session keeps one user agent: drawn from the sessions that started on its first route (older models: that route's requests).
    const startUa = new Map(Object.entries(m.sessions.startUserAgents ?? {}).map(([k, v]) => [k, new Categorical(v)]));
    let session = 0;
    while (out.length < n) {
      session++;
      let ts = startTime();
      let key = first.sample(this.random());
      const ua = startUa.get(key);
      let userAgent: string | undefined = ua && !ua.empty ? ua.sample(this.random()) : undefined;
      for (let guard = 0; guard < 10_000 && out.length < n; guard++) {
        const r = this.request(key);
        userAgent ??= r.userAgent;
        out.push({ ts, session, ...r, userAgent });
        const t = next.get(key);
        if (!t || t.empty) break;
        const to = t.sample(this.random());
        if (to === SESSION_EXIT) break;
        key = to;
        ts += think.sample(this.random());
      }
    }
    return out.sort((a, b) => a.ts - b.ts);
  }
}
