import { decodeHistogram, type Random } from '../../common/index.js';
import { SESSION_EXIT, type RequestModel } from '../../profiler/index.js';
import type { SessionState } from './model-source.js';
import { WeightedChoice } from './weighted-choice.js';

/**
 * Sessions for rate-driven executors (constant-rate, poisson, ramps…): the
 * executor decides when requests go out, this decides whose they are. It
 * keeps `open` sessions; each arrival goes to one of them at random, which
 * sends its current route and moves along the model's Markov chain, and a
 * session that exits is replaced by a new one. Session lengths and the route
 * mix are the model's; a session's requests are spaced ~`open / rate`
 * apart, so `open = rate × mean think time` (Little's law) keeps think times
 * like the model's. Sessions still open when the run ends are cut, as in any
 * log window; a run much shorter than a session (real-time think times in
 * seconds of load) shows mostly one-request sessions: compress think times
 * with `load.speed`.
 */
/** Open sessions are capped (~100 bytes each): past it, sessions move faster than the model's think times. */
export const MAX_OPEN = 100_000;

export class SessionInterleave {
  /** The schedule comes from the executor: route-mix override windows take precedence. */
  readonly followsSchedule = false;
  private readonly slots: Array<{ key: string; state: SessionState }>;
  private readonly random: Random;
  private readonly start: WeightedChoice<string>;
  private readonly next = new Map<string, WeightedChoice<string>>();
  private session = 0;
  /** Handed back by sessionFor and read at once by the source: no object per arrival. */
  private readonly current: { key: string; state: SessionState } = { key: '', state: { session: 0, start: '' } };

  constructor(model: RequestModel, open: number, random: Random) {
    if (!model.sessions) throw new Error('the model has no sessions');
    this.random = random;
    const s = model.sessions;
    const startKeys = Object.keys(s.start);
    this.start = new WeightedChoice(startKeys, startKeys.map((k) => s.start[k]!));
    for (const [from, tos] of Object.entries(s.transitions)) {
      const keys = Object.keys(tos);
      this.next.set(from, new WeightedChoice(keys, keys.map((k) => tos[k]!)));
    }
    this.slots = Array.from({ length: Math.max(1, Math.round(open)) }, () => this.fresh());
    // Burn in: walk the open sessions for about three session lengths each, unsent, so the run
    // starts in the middle of traffic (sessions at every stage) rather than with every open
    // session on its first page at once, which skews a short run's route mix to entry pages.
    const len = decodeHistogram(s.length);
    const steps = Math.min(2_000_000, Math.ceil(3 * this.slots.length * (len.totalCount ? len.mean : 1)));
    for (let i = 0; i < steps; i++) this.sessionFor(-1);
  }

  /** How many sessions to keep open for `rate` req/s, with think times ÷ `speed`. */
  static openFor(rate: number, meanThinkMs: number, speed = 1): number {
    return Math.max(1, Math.min(MAX_OPEN, Math.round((rate * meanThinkMs) / 1000 / speed)));
  }

  private fresh(): { key: string; state: SessionState } {
    const key = this.start.pick(this.random()) ?? SESSION_EXIT;
    return { key, state: { session: ++this.session, start: key } };
  }

  /** Route key and session of arrival `index` (called once per arrival, in order). */
  sessionFor(index: number): { readonly key: string; readonly state: SessionState } {
    void index;
    const j = Math.floor(this.random() * this.slots.length);
    const slot = this.slots[j]!;
    const out = this.current;
    out.key = slot.key;
    out.state = slot.state;
    const to = this.next.get(slot.key)?.pick(this.random()) ?? SESSION_EXIT;
    if (to === SESSION_EXIT) this.slots[j] = this.fresh();
    else slot.key = to;
    return out;
  }
}
