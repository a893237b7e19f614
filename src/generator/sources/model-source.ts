import { RouteNormalizer, type Random } from '../../common/index.js';
import { ModelSampler, QuantileTable, SESSION_EXIT, type RequestModel } from '../../profiler/index.js';
import type { RequestSource, RequestSpec } from './request-source.js';

/** "During the flash sale, /checkout ×3": route-mix overrides by time window. */
export interface MixOverride { startMs: number; durationMs: number; routes: Record<string, number> }

function spec(s: ReturnType<ModelSampler['request']>, headers: Record<string, string>): RequestSpec {
  const body = s.reqBytes > 0 && s.method !== 'GET' && s.method !== 'HEAD' ? Buffer.alloc(s.reqBytes, 0x20) : null;
  return { method: s.method, path: s.path, route: s.route, headers: body ? { 'content-type': 'application/octet-stream', ...headers } : headers, body };
}

/**
 * Synthesis from a request model: each arrival gets a route drawn from the
 * mix (re-weighted inside override windows), a path from the observed value
 * pool, and a body of a sampled size. With a `SessionArrivals` it follows
 * the session walk instead of the mix.
 */
export function modelSource(model: RequestModel, seed: number, opts: { headers?: Record<string, string>; overrides?: readonly MixOverride[]; sessions?: SessionArrivals } = {}): RequestSource {
  const sampler = new ModelSampler(model, seed);
  const headers = opts.headers ?? {};
  const normalizer = new RouteNormalizer();
  const keys = model.routes.map((r) => `${r.method} ${r.route}`);
  return {
    kind: 'model',
    next(index, tMs = 0) {
      const fromSession = opts.sessions?.keyFor(index);
      if (fromSession) return spec(sampler.request(fromSession), headers);
      const o = opts.overrides?.find((w) => tMs >= w.startMs && tMs < w.startMs + w.durationMs);
      if (!o) return spec(sampler.request(), headers);
      // Re-weight: route weight × its multiplier (by template or raw path), then draw.
      const weights = model.routes.map((r) => r.requests * (o.routes[r.route] ?? o.routes[normalizer.normalize(r.route)] ?? 1));
      const total = weights.reduce((a, b) => a + b, 0);
      let u = ((index * 2654435761) % 4294967296) / 4294967296 * total;
      for (let i = 0; i < weights.length; i++) if ((u -= weights[i]!) < 0) return spec(sampler.request(keys[i]), headers);
      return spec(sampler.request(), headers);
    },
  };
}

interface Pending { t: number; key: string; session: number }

/**
 * Open arrivals of sessions: sessions start by an arrival process (`starts`);
 * each walks the model's Markov chain from a start state, its requests spaced
 * by sampled think times, until it exits. Arrival times from all sessions are
 * merged in time order (a binary heap), and `keyFor(i)` tells the source which
 * route arrival i belongs to.
 */
export class SessionArrivals {
  private readonly heap: Pending[] = [];
  private readonly starts: { next(): number | undefined; multiplier?: number };
  private nextStart: number | undefined;
  private readonly model: RequestModel;
  private readonly random: Random;
  private readonly think: QuantileTable;
  private readonly keys = new Map<number, string>();
  private index = 0;
  private session = 0;
  private readonly durationMs: number;

  private readonly speed: number;

  /** `speed` compresses think times (2 = sessions move twice as fast), for time-compressed tests. */
  constructor(model: RequestModel, starts: { next(): number | undefined; multiplier?: number }, durationMs: number, random: Random, speed = 1) {
    this.speed = speed;
    if (!model.sessions) throw new Error('the model has no sessions (no session or client key in its input)');
    this.model = model;
    this.starts = starts;
    this.durationMs = durationMs;
    this.random = random;
    this.think = new QuantileTable(model.sessions.thinkTimeMs);
    this.nextStart = starts.next();
  }

  get multiplier(): number { return this.starts.multiplier ?? 1; }
  set multiplier(m: number) { this.starts.multiplier = m; }

  private draw(counts: Record<string, number>): string {
    const entries = Object.entries(counts);
    const total = entries.reduce((a, [, v]) => a + v, 0);
    let u = this.random() * total;
    for (const [k, v] of entries) if ((u -= v) < 0) return k;
    return entries[entries.length - 1]![0];
  }

  private push(p: Pending): void {
    const h = this.heap;
    h.push(p);
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.t <= h[i]!.t) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  private pop(): Pending | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]!.t < h[m]!.t) m = l;
        if (r < h.length && h[r]!.t < h[m]!.t) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }

  next(): number | undefined {
    // Admit every session that starts before the earliest pending request.
    while (this.nextStart !== undefined && (this.heap.length === 0 || this.nextStart <= this.heap[0]!.t)) {
      this.push({ t: this.nextStart, key: this.draw(this.model.sessions!.start), session: ++this.session });
      this.nextStart = this.starts.next();
    }
    const p = this.pop();
    if (!p) return undefined;
    const transitions = this.model.sessions!.transitions[p.key];
    if (transitions) {
      const to = this.draw(transitions);
      const t = p.t + this.think.sample(this.random()) / this.speed;
      if (to !== SESSION_EXIT && t < this.durationMs) this.push({ t, key: to, session: p.session });
    }
    this.keys.set(this.index, p.key);
    // Keep only recent assignments: the source asks right after the pacer takes an arrival.
    this.keys.delete(this.index - 10_000);
    this.index++;
    return p.t;
  }

  keyFor(index: number): string | undefined {
    return this.keys.get(index);
  }
}
