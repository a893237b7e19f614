import type { SkipReport } from '../../common/capture-reader.js';
import { flatCopy } from '../flat-copy.js';
import type { Observation } from './observation.js';

const DAY = 86_400_000;
/** No request of a log or capture is older than this. */
export const EARLIEST_PLAUSIBLE_TS = Date.UTC(2000, 0, 1);
/** Nor later than a year from now (clocks drift, not by years). */
const LATEST_AHEAD = 366 * DAY;
/** Records read before the bulk of the data is decided. */
const WARM_UP = 64;
/** Records near each other that make a new stretch of time real (a gap, a concatenated older file). */
const CONFIRM = 16;
/** A held stretch is decided after this many records without a new one near it. */
const PATIENCE = 256;
/** At most this many held stretches; past it the stalest is skipped. */
const MAX_GROUPS = 8;
/** A gap is far when it exceeds this many typical gaps (and a day). */
const GAP_FACTOR = 10;

/** One input through the filter: where its skips go, and how many of its records were offered and skipped. */
export interface TimeInput {
  name: string;
  skips: SkipReport;
  offered: number;
  skipped: number;
  unitsNoted: boolean;
}

interface Held { o: Observation; line: number; text: string; input: TimeInput }
interface Group { lo: number; hi: number; items: Held[]; lastSeen: number }

/** Flat copies of a held observation's strings: a parsed field would keep its whole read chunk alive. */
function detach(o: Observation): Observation {
  const c = { ...o } as Record<string, unknown>;
  for (const k of Object.keys(c)) if (typeof c[k] === 'string') c[k] = flatCopy(c[k] as string);
  return c as unknown as Observation;
}

/**
 * Skips implausible timestamps, streaming, in bounded memory. A record is
 * skipped as `bad_time` (with its line number) when its time is
 * - outside [2000-01-01, now + 1 year] (a `ts` of 0, seconds read as ms,
 *   nanoseconds read as ms), or
 * - far from the bulk of the data and alone there: more than max(1 day, the
 *   bulk's span, 10 typical gaps) outside the times accepted so far, with
 *   fewer than 16 records near it before 256 more records pass (a line from
 *   another year).
 * A far stretch that does fill up with records is real (a quiet week, a
 * concatenated older file) and is let through, so a log spanning months
 * loses nothing. The bulk is first decided on the first 64 records
 * (clusters split at gaps over max(1 day, 10 median gaps); the largest and
 * those at least half its size, up to 16, are kept), so an odd first line
 * does not anchor it. At most 64 + 8 × 16 records are held at once. The hot
 * path (a time within the bulk) is two compares. One filter may see several
 * inputs in turn (`startInput`): the bulk is that of their union, and each
 * skip is reported to the input it came from.
 */
export class TimeFilter {
  private readonly latest: number;
  private warm = true;
  private readonly buffer: Held[] = [];
  private lo = Infinity;
  private hi = -Infinity;
  private n = 0;
  private nearLo = Infinity;
  private nearHi = -Infinity;
  private readonly groups: Group[] = [];
  private seen = 0;
  private nextExpiry = Infinity;
  private input: TimeInput | undefined;
  /** The inputs seen, in order. */
  readonly inputs: TimeInput[] = [];

  constructor(opts: { now?: number } = {}) {
    this.latest = (opts.now ?? Date.now()) + LATEST_AHEAD;
  }

  /** The records offered from now on come from `name`; their skips go to `skips`. */
  startInput(name: string, skips: SkipReport): TimeInput {
    this.input = { name, skips, offered: 0, skipped: 0, unitsNoted: false };
    this.inputs.push(this.input);
    return this.input;
  }

  /** Appends `o` to `out` when its time is plausible; holds it for later or skips it otherwise. */
  offer(o: Observation, line: number, text: string, out: Observation[]): void {
    const ts = o.ts;
    this.seen++;
    this.input!.offered++;
    if (ts >= this.nearLo && ts <= this.nearHi) {
      this.n++;
      if (ts > this.hi) { this.hi = ts; this.widen(); } else if (ts < this.lo) { this.lo = ts; this.widen(); }
      out.push(o);
    } else this.hold(o, line, text, out);
    if (this.seen > this.nextExpiry) this.expire(out);
  }

  /** End of input: decides whatever is held. */
  finish(out: Observation[]): void {
    if (this.warm) this.settle(out);
    this.absorbNear(out);
    for (const g of this.groups.splice(0)) this.reject(g);
    this.nextExpiry = Infinity;
  }

  private hold(o: Observation, line: number, text: string, out: Observation[]): void {
    const ts = o.ts;
    const input = this.input!;
    if (!(ts >= EARLIEST_PLAUSIBLE_TS && ts <= this.latest)) {
      this.skip({ o, line, text, input });
      if (!input.unitsNoted) this.noteUnits(ts, line, input);
      return;
    }
    const held = { o: detach(o), line, text: flatCopy(text.slice(0, 200)), input };
    if (this.warm) {
      this.buffer.push(held);
      if (this.buffer.length >= WARM_UP) this.settle(out);
      return;
    }
    const tol = (g: Group): number => Math.max(DAY, g.hi - g.lo, this.gapTolerance());
    let g = this.groups.find((x) => ts >= x.lo - tol(x) && ts <= x.hi + tol(x));
    if (!g) {
      if (this.groups.length >= MAX_GROUPS) {
        const stalest = this.groups.reduce((a, b) => (b.lastSeen < a.lastSeen ? b : a));
        this.decide(stalest, out);
      }
      g = { lo: ts, hi: ts, items: [], lastSeen: this.seen };
      this.groups.push(g);
    }
    g.lo = Math.min(g.lo, ts);
    g.hi = Math.max(g.hi, ts);
    g.items.push(held);
    g.lastSeen = this.seen;
    if (g.items.length >= CONFIRM) this.accept(g, out);
    this.scheduleExpiry();
  }

  /** Says once when an implausible time would be plausible in seconds, microseconds or nanoseconds: the usual mistake. */
  private noteUnits(ts: number, line: number, input: TimeInput): void {
    const plausible = (t: number): boolean => t >= EARLIEST_PLAUSIBLE_TS && t <= this.latest;
    const unit = plausible(ts * 1000) ? 'seconds' : plausible(ts / 1000) ? 'microseconds' : plausible(ts / 1e6) ? 'nanoseconds' : undefined;
    if (!unit) return;
    input.unitsNoted = true;
    input.skips.warn(`${input.name}: times look like ${unit} since the epoch, not milliseconds (line ${line}: ${ts}); they are skipped as bad_time: convert them to epoch milliseconds`);
  }

  /** Ten typical gaps of the bulk: a sparse log's ordinary silence is not an outlier. */
  private gapTolerance(): number {
    return this.n > 1 ? (GAP_FACTOR * (this.hi - this.lo)) / (this.n - 1) : 0;
  }

  private widen(): void {
    const t = Math.max(DAY, this.hi - this.lo, this.gapTolerance());
    this.nearLo = Math.max(EARLIEST_PLAUSIBLE_TS, this.lo - t);
    this.nearHi = Math.min(this.latest, this.hi + t);
  }

  /** A held stretch (removed from the held ones) joins the bulk; held stretches now near it join too. */
  private accept(g: Group, out: Observation[]): void {
    this.release(g);
    this.lo = Math.min(this.lo, g.lo);
    this.hi = Math.max(this.hi, g.hi);
    this.n += g.items.length;
    this.widen();
    for (const h of g.items) out.push(h.o);
    this.absorbNear(out);
  }

  /** Accepts every held stretch that lies within the bulk's reach (the bulk only grows, so repeat until none). */
  private absorbNear(out: Observation[]): void {
    for (let i = this.groups.findIndex((x) => this.isNear(x)); i >= 0; i = this.groups.findIndex((x) => this.isNear(x))) this.accept(this.groups[i]!, out);
    this.scheduleExpiry();
  }

  private release(g: Group): void {
    const i = this.groups.indexOf(g);
    if (i >= 0) this.groups.splice(i, 1);
  }

  private isNear(g: Group): boolean {
    return g.lo >= this.nearLo && g.hi <= this.nearHi;
  }

  private reject(g: Group): void {
    this.release(g);
    for (const h of g.items) this.skip(h);
  }

  private skip(h: Held): void {
    h.input.skipped++;
    h.input.skips.skip(h.line, 'bad_time', h.text);
  }

  private decide(g: Group, out: Observation[]): void {
    if (this.isNear(g)) this.accept(g, out);
    else this.reject(g);
  }

  private expire(out: Observation[]): void {
    for (let g = this.groups.find((x) => this.seen - x.lastSeen > PATIENCE); g; g = this.groups.find((x) => this.seen - x.lastSeen > PATIENCE)) this.decide(g, out);
    this.scheduleExpiry();
  }

  private scheduleExpiry(): void {
    this.nextExpiry = this.groups.length ? Math.min(...this.groups.map((g) => g.lastSeen)) + PATIENCE : Infinity;
  }

  /**
   * Decides the bulk on the first records: sorted by time and split where a
   * gap exceeds max(1 day, 10 median gaps); the largest cluster and those at
   * least half its size (16 suffice) are the bulk, in arrival order; the
   * others are held like any far stretch (they may fill up later).
   */
  private settle(out: Observation[]): void {
    this.warm = false;
    const items = this.buffer.splice(0);
    if (items.length === 0) return;
    const order = items.map((_, i) => i).sort((a, b) => items[a]!.o.ts - items[b]!.o.ts);
    const gaps = order.slice(1).map((k, i) => items[k]!.o.ts - items[order[i]!]!.o.ts).sort((a, b) => a - b);
    const median = gaps.length ? gaps[Math.floor(gaps.length / 2)]! : 0;
    const split = Math.max(DAY, GAP_FACTOR * median);
    const clusters: number[][] = [[order[0]!]];
    for (let i = 1; i < order.length; i++) {
      if (items[order[i]!]!.o.ts - items[order[i - 1]!]!.o.ts > split) clusters.push([]);
      clusters[clusters.length - 1]!.push(order[i]!);
    }
    const largest = Math.max(...clusters.map((c) => c.length));
    const keep = Math.min(CONFIRM, Math.ceil(largest / 2));
    const inBulk = new Uint8Array(items.length);
    const held: number[][] = [];
    for (const c of clusters) {
      if (c.length < keep) { held.push(c); continue; }
      for (const k of c) inBulk[k] = 1;
      this.lo = Math.min(this.lo, items[c[0]!]!.o.ts);
      this.hi = Math.max(this.hi, items[c[c.length - 1]!]!.o.ts);
      this.n += c.length;
    }
    this.widen();
    for (let i = 0; i < items.length; i++) if (inBulk[i]) out.push(items[i]!.o);
    // The largest of the other clusters are held (in arrival order within each); the rest, if any, are skipped.
    held.sort((a, b) => b.length - a.length);
    for (const [j, c] of held.entries()) {
      const group = { lo: items[c[0]!]!.o.ts, hi: items[c[c.length - 1]!]!.o.ts, items: [...c].sort((a, b) => a - b).map((k) => items[k]!), lastSeen: this.seen };
      if (j < MAX_GROUPS) this.groups.push(group);
      else for (const h of group.items) this.skip(h);
    }
    this.absorbNear(out);
  }
}
