import { type SkipReport } from '../../common/capture-reader.js';
import type { CaptureKeys } from '../../common/request-record.js';
import { pseudonym } from '../../common/hash.js';
import { HistogramRecorder } from '../../common/histogram-recorder.js';
import { createHistogram, encodeHistogram } from '../../common/histogram.js';
import { userAgentFamily } from '../../common/user-agent.js';
import { VERSION } from '../../common/version.js';
import type { Observation } from '../ingest/observation.js';
import { flatCopy } from '../flat-copy.js';
import { RouteInference, type RouteInferenceOptions } from '../routes/route-inference.js';
import { DenseCounts } from './dense-counts.js';
import { DistinctCounter, hash30 } from './distinct-counter.js';
import { KeyCounter } from './key-counter.js';
import { SessionTable } from './session-table.js';
import { SESSION_EXIT, type RequestModel, type RouteModel, type SessionIdentity, type SessionModel } from './request-model.js';

const MAX_PATHS = 50;

const MAX_EXEMPLARS = 3;
const MAX_KEYS = 50;

/** Sorted, de-duplicated query keys (`page&q`) of `target`, whose `?` is at `q`; values are never kept. */
export function queryKeySet(target: string, q: number): string {
  const keys: string[] = [];
  let from = q + 1;
  while (from <= target.length) {
    let amp = target.indexOf('&', from);
    if (amp < 0) amp = target.length;
    let eq = target.indexOf('=', from);
    if (eq < 0 || eq > amp) eq = amp;
    if (eq > from) {
      const k = target.slice(from, eq);
      if (!keys.includes(k)) keys.push(k);
    }
    from = amp + 1;
  }
  return keys.length === 1 ? keys[0]! : keys.sort().join('&');
}

/**
 * Counts `key` in a bounded map (past `MAX_KEYS` keys, new ones count as
 * `other`). Maps, not plain objects: a keyed property access on many
 * differently shaped objects is a megamorphic lookup, ~3% of a log line.
 * New keys are flat copies: a Map keeps the string it is given, and a
 * parsed field would keep its whole read chunk alive.
 */
function bump(map: Map<string, number>, key: string): void {
  const v = map.get(key);
  if (v !== undefined) map.set(key, v + 1);
  else if (map.size < MAX_KEYS) map.set(flatCopy(key), 1);
  else map.set('other', (map.get('other') ?? 0) + 1);
}

class RouteAcc {
  requests = 0;
  /** Counts by status code (index = code): no string per line. */
  readonly statusCounts = new Uint32Array(600);
  readonly reqBytes = new HistogramRecorder();
  readonly resBytes = new HistogramRecorder();
  latency: HistogramRecorder | undefined;
  readonly queryKeySets = new Map<string, number>();
  readonly contentTypes = new Map<string, number>();
  readonly userAgents = new Map<string, number>();
  readonly geo = new Map<string, number>();
  readonly paths: string[] = [];
  seenPaths = 0;
  /** Distinct raw paths grouped under this template (the "largest groups" report). */
  readonly distinctPaths = new DistinctCounter(8);
  readonly exemplars: string[] = [];
  /** Sessions that started here, and transitions out (to another route or exit). */
  starts = 0;
  /** User-agent families of the sessions that started here (synthesis draws a session's UA from these). */
  readonly startUserAgents = new Map<string, number>();
  exits = 0;
  readonly next = new Map<RouteAcc, number>();
  constructor(readonly key: string, readonly index: number) {}

  status(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let c = 0; c < 600; c++) if (this.statusCounts[c]) out[String(c)] = this.statusCounts[c]!;
    return out;
  }
}

export interface BuildOptions extends RouteInferenceOptions {
  /** Rate series step (default 60 s). */
  stepMs?: number;
  /** Session inactivity gap (default 30 min). */
  sessionGapMs?: number;
  /** Seeded sampling of paths (reservoir); Math.random by default. */
  random?: () => number;
  /** Salt for pseudonymising raw client addresses from logs. */
  salt?: string;
  /** The cookie or header the input's session keys came from (recorded in the model for synthesis). */
  sessionKey?: { cookie?: string; header?: string };
}

/**
 * Streams observations into a model in bounded memory: per-route
 * accumulators (bounded by routes), open sessions (evicted after the gap),
 * per-step and per-second counts (bounded by the time span). Input should be
 * roughly time-ordered per session for sessionisation (logs are).
 */
export class ModelBuilder {
  private readonly inference: RouteInference;
  /** Per method, template → accumulator: two lookups instead of building a `METHOD route` key per line. */
  private readonly byMethod = new Map<string, Map<string, RouteAcc>>();
  private readonly stepMs: number;
  private readonly gapMs: number;
  private readonly random: () => number;
  private readonly salt: string;
  private sessionKey: { cookie?: string; header?: string };
  /** Headers the capture read clients and geo from (capture header `keys`). */
  private clientHeader: string | undefined;
  private geoHeader: string | undefined;
  /**
   * Counts per step and per second, indexed relative to a UTC midnight
   * before the first timestamp seen (dense arrays, not keyed by epoch time).
   */
  private base = NaN;
  private readonly steps = new DenseCounts();
  private readonly seconds = new DenseCounts();
  private readonly hour = new Array<number>(24).fill(0);
  private readonly dow = new Array<number>(7).fill(0);
  private readonly uas = new Map<string, number>();
  /** Requests per client key hash (bounded), and the raw key of each for pseudonymising the top ones. */
  private readonly clients = new KeyCounter(10_000);
  private readonly clientNames = new Map<number, string>();
  private readonly distinctClients = new DistinctCounter();
  private readonly accs: RouteAcc[] = [];
  private readonly open = new SessionTable();
  /** Open sessions are swept (idle ones closed) when the table reaches this size. */
  private sweepAt = 1 << 14;
  private readonly sessionLength = new HistogramRecorder();
  private readonly thinkTime = new HistogramRecorder();
  private sessionCount = 0;
  /** Requests whose source already named the route (sidecar captures with a route table). */
  private templated = 0;
  private sessionsSeen = false;
  /** Requests whose session the source named (rather than inferred from the client). */
  private namedSessions = 0;
  private records = 0;
  private minTs = Infinity;
  private maxTs = -Infinity;
  private readonly inputs: RequestModel['provenance']['inputs'] = [];
  private readonly skippedByReason: Record<string, number> = {};
  private skippedTotal = 0;

  constructor(opts: BuildOptions = {}) {
    this.inference = new RouteInference(opts);
    this.stepMs = opts.stepMs ?? 60_000;
    this.gapMs = opts.sessionGapMs ?? 30 * 60_000;
    this.random = opts.random ?? Math.random;
    this.salt = opts.salt ?? 'shadowtwin-profile';
    this.sessionKey = opts.sessionKey?.cookie ? { cookie: opts.sessionKey.cookie } : opts.sessionKey?.header ? { header: opts.sessionKey.header.toLowerCase() } : {};
  }

  add(o: Observation): void {
    this.records++;
    let route: string;
    if (o.route && o.route.includes(':')) { route = o.route; this.templated++; }
    else route = this.inference.observe(o.target);
    let perMethod = this.byMethod.get(o.method);
    if (!perMethod) this.byMethod.set(flatCopy(o.method), (perMethod = new Map()));
    let acc = perMethod.get(route);
    if (!acc) {
      acc = new RouteAcc(flatCopy(`${o.method} ${route}`), this.accs.length);
      this.accs.push(acc);
      perMethod.set(flatCopy(route), acc);
    }
    acc.requests++;
    const st = o.status;
    if (st >= 0 && st < 600) acc.statusCounts[st]!++;
    acc.reqBytes.record((o.reqBytes ?? 0) + 1); // unknown (access logs) counts as 0 bytes
    acc.resBytes.record(o.resBytes + 1);
    if (o.durationMs !== undefined) (acc.latency ??= new HistogramRecorder()).record(Math.round(o.durationMs * 1000));
    const q = o.target.indexOf('?');
    if (q >= 0) bump(acc.queryKeySets, queryKeySet(o.target, q));
    if (o.contentType) bump(acc.contentTypes, o.contentType);
    const ua = o.userAgent && o.userAgent.length <= 20 && !o.userAgent.includes('/') && !o.userAgent.includes(' ') ? o.userAgent : userAgentFamily(o.userAgent);
    bump(acc.userAgents, ua);
    bump(this.uas, ua);
    if (o.geo) bump(acc.geo, o.geo);
    // Reservoir sample of raw paths: parameter values for synthesis.
    acc.seenPaths++;
    acc.distinctPaths.add(hash30(q >= 0 ? o.target.slice(0, q) : o.target));
    if (acc.paths.length < MAX_PATHS) acc.paths.push(flatCopy(o.target));
    else {
      const j = Math.floor(this.random() * acc.seenPaths);
      if (j < MAX_PATHS) acc.paths[j] = flatCopy(o.target);
    }
    if (o.body && acc.exemplars.length < MAX_EXEMPLARS) acc.exemplars.push(flatCopy(o.body.slice(0, 4096)));

    const ts = o.ts;
    if (ts < this.minTs) this.minTs = ts;
    if (ts > this.maxTs) this.maxTs = ts;
    if (this.base !== this.base) this.base = Math.floor(ts / 86_400_000) * 86_400_000; // NaN: first record; a UTC midnight keeps step boundaries
    const rel = ts - this.base;
    const step = Math.floor(rel / this.stepMs);
    this.steps.add(step);
    const sec = Math.floor(rel / 1000);
    this.seconds.add(sec);
    // UTC hour and weekday without a Date object (1970-01-01 was a Thursday).
    const hours = Math.floor(ts / 3_600_000);
    this.hour[((hours % 24) + 24) % 24]!++;
    this.dow[(((Math.floor(hours / 24) + 4) % 7) + 7) % 7]!++;

    // Raw client keys stay in memory only; the few written to the model are pseudonymised in build().
    const client = o.client;
    let clientKey = -1;
    if (client) {
      clientKey = hash30(client);
      this.distinctClients.add(clientKey);
      if (this.clients.add(clientKey)) this.clientNames.set(clientKey, flatCopy(client));
    }
    if (o.session) { this.namedSessions++; this.session(hash30(o.session), acc, ts, ua); }
    else if (clientKey >= 0) this.session(clientKey, acc, ts, ua);
    if ((this.records & 1023) === 0) this.evict(ts);
  }

  private session(sk: number, acc: RouteAcc, ts: number, ua: string): void {
    this.sessionsSeen = true;
    const slot = this.open.find(sk);
    if (slot < 0 || ts - this.open.last(slot) > this.gapMs) {
      this.sessionCount++;
      acc.starts++;
      bump(acc.startUserAgents, ua);
      if (slot < 0) this.open.insert(sk, ts, acc.index);
      else {
        this.close(this.open.state(slot), this.open.length(slot));
        this.open.restart(slot, ts, acc.index);
      }
    } else {
      const from = this.accs[this.open.state(slot)]!.next;
      from.set(acc, (from.get(acc) ?? 0) + 1);
      this.thinkTime.record(Math.round(ts - this.open.last(slot)));
      this.open.advance(slot, ts, acc.index);
    }
  }

  private close(lastAcc: number, length: number): void {
    this.sessionLength.record(length);
    this.accs[lastAcc]!.exits++;
  }

  /**
   * Closes sessions idle for longer than the gap, so memory is bounded by
   * the sessions open at once, not by the sessions in the file. Sweeping
   * when the table holds four times the survivors of the last sweep keeps
   * the cost at a few sequential slot visits per new session.
   */
  private evict(now: number): void {
    if (this.open.size < this.sweepAt) return;
    this.open.sweep(now - this.gapMs, (state, length) => this.close(state, length), this.sweepAt);
    this.sweepAt = Math.max(1 << 14, this.open.size * 4);
  }

  /**
   * Where a capture read identities from (its header's `keys`): kept in the
   * model so synthesis sends the same session cookie or header, client header
   * and geo header. An explicit `sessionKey` option wins; the first capture
   * that names one is taken.
   */
  noteCaptureKeys(keys: CaptureKeys | undefined): void {
    if (!keys) return;
    if (!this.sessionKey.cookie && !this.sessionKey.header) {
      if (keys.sessionCookie) this.sessionKey = { cookie: keys.sessionCookie };
      else if (keys.sessionHeader) this.sessionKey = { header: keys.sessionHeader.toLowerCase() };
    }
    this.clientHeader ??= keys.clientHeader?.toLowerCase();
    this.geoHeader ??= keys.geoHeader?.toLowerCase();
  }

  /** Records what an input contributed (for provenance). */
  noteInput(file: string, format: string, records: number, skips: SkipReport): void {
    this.inputs.push({ file, format, records, skipped: skips.total });
    this.skippedTotal += skips.total;
    for (const [k, v] of Object.entries(skips.byReason)) this.skippedByReason[k] = (this.skippedByReason[k] ?? 0) + v;
  }

  get recordCount(): number {
    return this.records;
  }

  build(): RequestModel {
    for (const s of this.open.entries()) this.close(s.state, s.length);
    this.open.clear();
    // Templates handed out before later collapses map to their final form.
    const merged = new Map<string, { route: string; method: string; acc: RouteAcc[] }>();
    for (const acc of this.accs) {
      const sp = acc.key.indexOf(' ');
      const method = acc.key.slice(0, sp);
      const route = this.inference.remap(acc.key.slice(sp + 1));
      const k = `${method} ${route}`;
      const m = merged.get(k) ?? { route, method, acc: [] };
      m.acc.push(acc);
      merged.set(k, m);
    }
    const remapKey = (k: string): string => (k === SESSION_EXIT ? k : `${k.slice(0, k.indexOf(' '))} ${this.inference.remap(k.slice(k.indexOf(' ') + 1))}`);
    const routes: RouteModel[] = [...merged.values()].map(({ route, method, acc }) => routeModel(route, method, acc, this.records)).sort((a, b) => b.requests - a.requests);

    let sessions: SessionModel | null = null;
    if (this.sessionsSeen) {
      const start: Record<string, number> = {};
      const startUserAgents: Record<string, Record<string, number>> = {};
      const transitions: Record<string, Record<string, number>> = {};
      for (const acc of this.accs) {
        const from = remapKey(acc.key);
        if (acc.starts) start[from] = (start[from] ?? 0) + acc.starts;
        if (acc.startUserAgents.size) {
          const u = (startUserAgents[from] ??= {});
          for (const [f, v] of acc.startUserAgents) u[f] = (u[f] ?? 0) + v;
        }
        if (acc.next.size === 0 && acc.exits === 0) continue;
        const f = (transitions[from] ??= {});
        for (const [to, v] of acc.next) f[remapKey(to.key)] = (f[remapKey(to.key)] ?? 0) + v;
        if (acc.exits) f[SESSION_EXIT] = (f[SESSION_EXIT] ?? 0) + acc.exits;
      }
      const identity: SessionIdentity = this.namedSessions * 2 >= this.records ? { kind: 'source', ...this.sessionKey } : { kind: 'client' };
      sessions = { gapMs: this.gapMs, identity, count: this.sessionCount, length: encodeHistogram(this.sessionLength.toHistogram()), thinkTimeMs: encodeHistogram(this.thinkTime.toHistogram()), start, startUserAgents, transitions };
    }

    const base = Number.isFinite(this.base) ? this.base : 0;
    const first = Number.isFinite(this.minTs) ? Math.floor((this.minTs - base) / this.stepMs) : 0;
    const last = Number.isFinite(this.maxTs) ? Math.floor((this.maxTs - base) / this.stepMs) : -1;
    const counts = this.steps.range(first, last);
    const seconds = secondCounts(this.seconds, base, this.minTs, this.maxTs);
    const total = Math.max(1, this.records);
    const top = this.clients.top(20)
      .map(([key, requests]) => {
        const client = this.clientNames.get(key)!;
        return { client: /^[0-9a-f]{16}$/.test(client) ? client : pseudonym(client, this.salt), requests };
      });
    return {
      kind: 'shadowtwin.request-model',
      version: 1,
      provenance: {
        inputs: this.inputs,
        window: { start: Number.isFinite(this.minTs) ? this.minTs : 0, end: Number.isFinite(this.maxTs) ? this.maxTs : 0 },
        records: this.records,
        skipped: { total: this.skippedTotal, byReason: this.skippedByReason },
        tool: `shadowtwin/${VERSION}`,
      },
      routes,
      sessions,
      rate: {
        stepMs: this.stepMs, start: base + first * this.stepMs, counts,
        hourOfDay: this.hour.map((h) => h / total), dayOfWeek: this.dow.map((d) => d / total),
        dispersion: dispersionOf(seconds.counts), seconds,
      },
      userAgents: Object.fromEntries(this.uas),
      clients: { distinct: this.distinctClients.estimate(), top, hll: this.distinctClients.toBase64(), ...(this.clientHeader ? { header: this.clientHeader } : {}) },
      ...(this.geoHeader ? { geoHeader: this.geoHeader } : {}),
      routeSources: { table: this.inference.tableHits, source: this.templated, inferred: this.records - this.inference.tableHits - this.templated },
    };
  }
}

function routeModel(route: string, method: string, accs: RouteAcc[], total: number): RouteModel {
  const sum = <K extends 'queryKeySets' | 'contentTypes' | 'userAgents' | 'geo'>(k: K): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const a of accs) for (const [kk, v] of a[k]) out[kk] = (out[kk] ?? 0) + v;
    return out;
  };
  const hist = (pick: (a: RouteAcc) => HistogramRecorder | undefined): string | undefined => {
    const parts = accs.map(pick).filter((h): h is HistogramRecorder => h !== undefined);
    if (parts.length === 0) return undefined;
    const h = createHistogram();
    for (const p of parts) h.add(p.toHistogram());
    return encodeHistogram(h);
  };
  const requests = accs.reduce((a, x) => a + x.requests, 0);
  const m: RouteModel = {
    route, method, requests, weight: requests / Math.max(1, total),
    status: statusOf(accs), reqBytes: hist((a) => a.reqBytes)!, resBytes: hist((a) => a.resBytes)!,
    queryKeySets: sum('queryKeySets'), contentTypes: sum('contentTypes'), userAgents: sum('userAgents'), geo: sum('geo'),
    paths: accs.flatMap((a) => a.paths).slice(0, MAX_PATHS),
    exemplars: accs.flatMap((a) => a.exemplars).slice(0, MAX_EXEMPLARS),
  };
  const distinct = new DistinctCounter(8);
  for (const a of accs) distinct.merge(a.distinctPaths);
  m.distinctPaths = distinct.toBase64();
  const lat = hist((a) => a.latency);
  if (lat) m.latency = lat;
  return m;
}

function statusOf(accs: RouteAcc[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of accs) for (const [k, v] of Object.entries(a.status())) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Dense per-second counts over the window (empty seconds are 0). */
function secondCounts(seconds: DenseCounts, base: number, minTs: number, maxTs: number): { start: number; counts: number[] } {
  if (!Number.isFinite(minTs)) return { start: 0, counts: [] };
  const first = Math.floor((minTs - base) / 1000);
  return { start: base / 1000 + first, counts: seconds.range(first, Math.floor((maxTs - base) / 1000)) };
}

/** Index of dispersion (variance / mean) of counts. */
export function dispersionOf(counts: readonly number[]): number {
  const n = counts.length;
  if (n < 2) return 1;
  let sum = 0;
  let sumSq = 0;
  for (const c of counts) { sum += c; sumSq += c * c; }
  if (sum === 0) return 1;
  const mean = sum / n;
  return Math.round((((sumSq - n * mean * mean) / (n - 1)) / mean) * 1000) / 1000;
}
