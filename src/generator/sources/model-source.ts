import { encodeRequestTarget, RouteNormalizer, seededRandom, type Random } from '../../common/index.js';
import { ModelSampler, QuantileTable, SESSION_EXIT, type RequestModel } from '../../profiler/index.js';
import type { RequestSource, RequestSpec } from './request-source.js';
import { TrafficTraits, type TraitOptions } from './traffic-traits.js';
import { WeightedChoice } from './weighted-choice.js';

/** "During the flash sale, /checkout ×3": route-mix overrides by time window. */
export interface MixOverride { startMs: number; durationMs: number; routes: Record<string, number> }

/** Request bodies are views of one shared buffer of spaces (grown on demand): no allocation and fill per request. */
let bodyPool = Buffer.alloc(0);
const MAX_BODY = 64 * 1024 * 1024;
function bodyOf(size: number): Buffer {
  const n = Math.min(size, MAX_BODY);
  if (bodyPool.length < n) bodyPool = Buffer.alloc(Math.min(MAX_BODY, Math.max(n, bodyPool.length * 2, 64 * 1024)), 0x20);
  return bodyPool.subarray(0, n);
}

/** Which session (and route) an arrival belongs to: `SessionArrivals` or `SessionInterleave`. */
export interface SessionAssigner {
  /** True when the sessions set the schedule (their routes must be sent as walked, even in override windows). */
  readonly followsSchedule: boolean;
  sessionFor(index: number): { readonly key: string; readonly state: SessionState } | undefined;
}

export interface ModelSourceOptions extends Omit<TraitOptions, 'sessions'> {
  overrides?: readonly MixOverride[];
  sessions?: SessionAssigner;
  /** Session identity override (cookie or header); `sessions` is the arrival process. */
  sessionKey?: TraitOptions['sessions'];
}

/**
 * Synthesis from a request model: each arrival gets a route drawn from the
 * mix (re-weighted inside override windows), a path from the observed value
 * pool with query keys in their observed mix, a body of a sampled size and
 * observed content type, and the identity the model knows (user agent,
 * client, geo: `TrafficTraits`). With a `SessionArrivals` it follows the
 * session walk instead of the mix, and every request of a session carries
 * that session's identity.
 */
export function modelSource(model: RequestModel, seed: number, opts: ModelSourceOptions = {}): RequestSource {
  const sampler = new ModelSampler(model, seed);
  const traits = new TrafficTraits(model, { ...opts, sessions: opts.sessionKey }, seededRandom(seed + 7919));
  const normalizer = new RouteNormalizer();
  const keys = model.routes.map((r) => `${r.method} ${r.route}`);
  const spec = (key: string | undefined, headers: Record<string, string> | undefined): RequestSpec => {
    const s = sampler.request(key);
    const h = headers ?? traits.requestHeaders(s.method, s.route);
    const withBody = s.reqBytes > 0 && s.method !== 'GET' && s.method !== 'HEAD';
    return {
      // A path learnt from a hostile log (CR/LF, spaces) goes out percent-encoded: inert text, never a header line.
      method: s.method, path: encodeRequestTarget(traits.target(s.method, s.route, s.path)), route: s.route,
      headers: withBody ? { ...h, 'content-type': h['content-type'] ?? traits.contentType(s.method, s.route) } : h,
      body: withBody ? bodyOf(s.reqBytes) : null,
    };
  };
  return {
    kind: 'model',
    next(index, tMs = 0) {
      const o = opts.overrides?.find((w) => tMs >= w.startMs && tMs < w.startMs + w.durationMs);
      if (opts.sessions && (opts.sessions.followsSchedule || !o)) {
        const s = opts.sessions.sessionFor(index);
        if (s) return spec(s.key, s.state.headers ??= traits.sessionHeaders(s.state.start, s.state.session));
      }
      if (!o) return spec(undefined, undefined);
      // Re-weight: route weight × its multiplier (by template or raw path), then draw.
      const weights = model.routes.map((r) => r.requests * (o.routes[r.route] ?? o.routes[normalizer.normalize(r.route)] ?? 1));
      const total = weights.reduce((a, b) => a + b, 0);
      let u = ((index * 2654435761) % 4294967296) / 4294967296 * total;
      for (let i = 0; i < weights.length; i++) if ((u -= weights[i]!) < 0) return spec(keys[i], undefined);
      return spec(undefined, undefined);
    },
  };
}

/** One session, shared by its pending requests: its number, start route and (built on first use) headers. */
export interface SessionState { session: number; start: string; headers?: Record<string, string> }

interface Pending { t: number; key: string; state: SessionState }

/**
 * Open arrivals of sessions: sessions start by an arrival process (`starts`);
 * each walks the model's Markov chain from a start state, its requests spaced
 * by sampled think times, until it exits. Arrival times from all sessions are
 * merged in time order (a binary heap), and `keyFor(i)` tells the source which
 * route arrival i belongs to.
 */
export class SessionArrivals implements SessionAssigner {
  readonly followsSchedule = true;
  private readonly heap: Pending[] = [];
  private readonly starts: { next(): number | undefined; multiplier?: number };
  private nextStart: number | undefined;
  private readonly model: RequestModel;
  private readonly random: Random;
  private readonly think: QuantileTable;
  private readonly assigned = new Map<number, Pending>();
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

  /** Cumulative tables per state, built once (the walk draws one per request). */
  private readonly choices = new Map<Record<string, number>, WeightedChoice<string>>();

  private draw(counts: Record<string, number>): string {
    let c = this.choices.get(counts);
    if (!c) {
      const keys = Object.keys(counts);
      this.choices.set(counts, (c = new WeightedChoice(keys, keys.map((k) => counts[k]!))));
    }
    return c.pick(this.random()) ?? SESSION_EXIT;
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
      const key = this.draw(this.model.sessions!.start);
      this.push({ t: this.nextStart, key, state: { session: ++this.session, start: key } });
      this.nextStart = this.starts.next();
    }
    const p = this.pop();
    if (!p) return undefined;
    const transitions = this.model.sessions!.transitions[p.key];
    if (transitions) {
      const to = this.draw(transitions);
      const t = p.t + this.think.sample(this.random()) / this.speed;
      if (to !== SESSION_EXIT && t < this.durationMs) this.push({ t, key: to, state: p.state });
    }
    this.assigned.set(this.index, p);
    // Keep only recent assignments: the source asks right after the pacer takes an arrival.
    this.assigned.delete(this.index - 10_000);
    this.index++;
    return p.t;
  }

  keyFor(index: number): string | undefined {
    return this.assigned.get(index)?.key;
  }

  /** Route key and session of arrival `index` (the source asks right after the pacer takes it). */
  sessionFor(index: number): { readonly key: string; readonly state: SessionState } | undefined {
    return this.assigned.get(index);
  }
}
