import { type SkipReport } from '../../common/capture-reader.js';
import type { CaptureKeys } from '../../common/request-record.js';
import { pseudonym } from '../../common/hash.js';
import { HistogramRecorder } from '../../common/histogram-recorder.js';
import { createHistogram, encodeHistogram } from '../../common/histogram.js';
import { userAgentFamily } from '../../common/user-agent.js';
import { VERSION } from '../../common/version.js';
import type { Observation } from '../ingest/observation.js';
import { flatCopy } from '../flat-copy.js';
import { collapseRoutes, type CollapsedRoute, type RouteCollapseOptions } from '../routes/route-collapse.js';
import { RouteInference, type RouteInferenceOptions } from '../routes/route-inference.js';
import { coarsen, encodeCounts } from './count-runs.js';
import { MODEL_VERSION } from './model-version.js';
import { PagedCounts } from './paged-counts.js';
import { rateShape } from './rate-series.js';
import { DistinctCounter, hash30 } from './distinct-counter.js';
import { KeyCounter } from './key-counter.js';
import { SessionTable } from './session-table.js';
import { SESSION_EXIT, type RequestModel, type RouteModel, type SessionIdentity, type SessionModel } from './request-model.js';

const MAX_PATHS = 50;
/** Raw paths kept for a route generalised at build (`/blog/tags/:tag`, `/x/*`): the values synthesis draws from. */
const MAX_COLLAPSED_PATHS = 200;

/**
 * Longest path kept in a route's path pool (2 KiB, past what most servers
 * accept in a request line): a longer one is counted in its route and in
 * `provenance.longPaths` but never pooled, so synthesis never sends it.
 */
export const MAX_POOL_PATH_LENGTH = 2048;

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
  /** Named by the source (a sidecar capture's route): never generalised. */
  fixed = false;
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
  /** Build-time generalisation of inferred templates (`false`: keep them as inferred). */
  collapse?: RouteCollapseOptions | false;
  /** The cookie or header the input's session keys came from (recorded in the model for synthesis). */
  sessionKey?: { cookie?: string; header?: string };
}

/**
 * Streams observations into a model in bounded memory: per-route
 * accumulators (bounded by routes), open sessions (evicted after the gap),
 * per-second counts (paged where the records are: bounded by the records,
 * never by the time they span). Input should be roughly time-ordered per
 * session for sessionisation (logs are). Timestamps are taken as given:
 * `readObservationBatches` skips implausible ones before they get here.
 */
export class ModelBuilder {
  private readonly inference: RouteInference;
  /** Per method, template → accumulator: two lookups instead of building a `METHOD route` key per line. */
  private readonly byMethod = new Map<string, Map<string, RouteAcc>>();
  private readonly stepMs: number;
  private readonly gapMs: number;
  private readonly random: () => number;
  private readonly salt: string;
  private readonly collapse: RouteCollapseOptions | false;
  /** Requests per epoch second; steps, hours and weekdays are derived from them in build(). */
  private readonly seconds = new PagedCounts();
  /** Requests per step, only when the step is not whole seconds (then it cannot be derived). */
  private readonly steps: PagedCounts | undefined;
  private sessionKey: { cookie?: string; header?: string };
  /** Headers the capture read clients and geo from (capture header `keys`). */
  private clientHeader: string | undefined;
  private geoHeader: string | undefined;
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
  /** Requests whose path was too long for the path pool. */
  private longPaths = 0;

  constructor(opts: BuildOptions = {}) {
    this.inference = new RouteInference(opts);
    this.stepMs = opts.stepMs ?? 60_000;
    if (this.stepMs % 1000 !== 0) this.steps = new PagedCounts();
    this.gapMs = opts.sessionGapMs ?? 30 * 60_000;
    this.random = opts.random ?? Math.random;
    this.salt = opts.salt ?? 'shadowtwin-profile';
    this.collapse = opts.collapse ?? {};
    this.sessionKey = opts.sessionKey?.cookie ? { cookie: opts.sessionKey.cookie } : opts.sessionKey?.header ? { header: opts.sessionKey.header.toLowerCase() } : {};
  }

  add(o: Observation): void {
    this.records++;
    let route: string;
    let fixed = false;
    if (o.route && o.route.includes(':')) { route = o.route; this.templated++; fixed = true; }
    // `OPTIONS *` (asterisk-form): a route of its own, not a path to infer from (nor the wildcard `/*`).
    else if (o.target === '*') { route = '*'; fixed = true; }
    else route = this.inference.observe(o.target);
    let perMethod = this.byMethod.get(o.method);
    if (!perMethod) this.byMethod.set(flatCopy(o.method), (perMethod = new Map()));
    let acc = perMethod.get(route);
    if (!acc) {
      acc = new RouteAcc(flatCopy(`${o.method} ${route}`), this.accs.length);
      this.accs.push(acc);
      perMethod.set(flatCopy(route), acc);
    }
    if (fixed) acc.fixed = true;
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
    if (o.target.length > MAX_POOL_PATH_LENGTH) this.longPaths++;
    else if (acc.paths.length < MAX_PATHS) acc.paths.push(flatCopy(o.target));
    else {
      const j = Math.floor(this.random() * acc.seenPaths);
      if (j < MAX_PATHS) acc.paths[j] = flatCopy(o.target);
    }
    if (o.body && acc.exemplars.length < MAX_EXEMPLARS) acc.exemplars.push(flatCopy(o.body.slice(0, 4096)));

    const ts = o.ts;
    if (ts < this.minTs) this.minTs = ts;
    if (ts > this.maxTs) this.maxTs = ts;
    this.seconds.add(Math.floor(ts / 1000));
    if (this.steps) this.steps.add(Math.floor(ts / this.stepMs));

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

  /**
   * The final template of each accumulator: templates handed out before
   * later online collapses map to their current form, then inferred ones are
   * generalised over the whole template tree (route-table and source-named
   * templates are left as they are).
   */
  private finalRoutes(): CollapsedRoute[] {
    const current = this.accs.map((acc) => (acc.fixed ? acc.key.slice(acc.key.indexOf(' ') + 1) : this.inference.remap(acc.key.slice(acc.key.indexOf(' ') + 1))));
    const fixed = this.accs.map((acc, i) => acc.fixed || this.inference.isTableTemplate(current[i]!));
    const counts = new Map<string, number>();
    this.accs.forEach((acc, i) => { if (!fixed[i]) counts.set(current[i]!, (counts.get(current[i]!) ?? 0) + acc.requests); });
    const collapsed = this.collapse === false ? new Map<string, CollapsedRoute>() : collapseRoutes(counts, this.collapse);
    return current.map((route, i) => (fixed[i] ? undefined : collapsed.get(route)) ?? { route, collapsed: false });
  }

  build(): RequestModel {
    for (const s of this.open.entries()) this.close(s.state, s.length);
    this.open.clear();
    const final = this.finalRoutes();
    const merged = new Map<string, { route: string; method: string; collapsed: boolean; acc: RouteAcc[] }>();
    for (const acc of this.accs) {
      const f = final[acc.index]!;
      const method = acc.key.slice(0, acc.key.indexOf(' '));
      const k = `${method} ${f.route}`;
      const m = merged.get(k) ?? { route: f.route, method, collapsed: false, acc: [] };
      m.collapsed ||= f.collapsed;
      m.acc.push(acc);
      merged.set(k, m);
    }
    const remapKey = (acc: RouteAcc): string => `${acc.key.slice(0, acc.key.indexOf(' '))} ${final[acc.index]!.route}`;
    const routes: RouteModel[] = [...merged.values()].map(({ route, method, collapsed, acc }) => routeModel(route, method, collapsed, acc, this.records, this.random)).sort((a, b) => b.requests - a.requests);

    let sessions: SessionModel | null = null;
    if (this.sessionsSeen) {
      const start: Record<string, number> = {};
      const startUserAgents: Record<string, Record<string, number>> = {};
      const transitions: Record<string, Record<string, number>> = {};
      for (const acc of this.accs) {
        const from = remapKey(acc);
        if (acc.starts) start[from] = (start[from] ?? 0) + acc.starts;
        if (acc.startUserAgents.size) {
          const u = (startUserAgents[from] ??= {});
          for (const [f, v] of acc.startUserAgents) u[f] = (u[f] ?? 0) + v;
        }
        if (acc.next.size === 0 && acc.exits === 0) continue;
        const f = (transitions[from] ??= {});
        for (const [to, v] of acc.next) f[remapKey(to)] = (f[remapKey(to)] ?? 0) + v;
        if (acc.exits) f[SESSION_EXIT] = (f[SESSION_EXIT] ?? 0) + acc.exits;
      }
      const identity: SessionIdentity = this.namedSessions * 2 >= this.records ? { kind: 'source', ...this.sessionKey } : { kind: 'client' };
      sessions = { gapMs: this.gapMs, identity, count: this.sessionCount, length: encodeHistogram(this.sessionLength.toHistogram()), thinkTimeMs: encodeHistogram(this.thinkTime.toHistogram()), start, startUserAgents, transitions };
    }

    const seconds = this.seconds.entries();
    const steps = this.steps ? this.steps.entries() : coarsen(seconds, this.stepMs / 1000);
    const top = this.clients.top(20)
      .map(([key, requests]) => {
        const client = this.clientNames.get(key)!;
        return { client: /^[0-9a-f]{16}$/.test(client) ? client : pseudonym(client, this.salt), requests };
      });
    return {
      kind: 'shadowtwin.request-model',
      version: MODEL_VERSION,
      provenance: {
        inputs: this.inputs,
        window: { start: Number.isFinite(this.minTs) ? this.minTs : 0, end: Number.isFinite(this.maxTs) ? this.maxTs : 0 },
        records: this.records,
        skipped: { total: this.skippedTotal, byReason: this.skippedByReason },
        ...(this.longPaths ? { longPaths: this.longPaths } : {}),
        tool: `shadowtwin/${VERSION}`,
      },
      routes,
      sessions,
      rate: { stepMs: this.stepMs, steps: encodeCounts(steps, this.stepMs), seconds: encodeCounts(seconds, 1000), ...rateShape(seconds) },
      userAgents: Object.fromEntries(this.uas),
      clients: { distinct: this.distinctClients.estimate(), top, hll: this.distinctClients.toBase64(), ...(this.clientHeader ? { header: this.clientHeader } : {}) },
      ...(this.geoHeader ? { geoHeader: this.geoHeader } : {}),
      routeSources: { table: this.inference.tableHits, source: this.templated, inferred: this.records - this.inference.tableHits - this.templated },
    };
  }
}

/**
 * A traffic-weighted sample of raw paths from several reservoirs: each
 * reservoir gets slots in proportion to the requests it saw (randomised
 * rounding), filled from its own sample; one reservoir is kept as it is.
 */
function mergePaths(accs: readonly RouteAcc[], cap: number, random: () => number): string[] {
  if (accs.length === 1) return accs[0]!.paths.slice(0, cap);
  const seen = accs.reduce((a, x) => a + x.seenPaths, 0);
  const all = accs.reduce((a, x) => a + x.paths.length, 0);
  if (all <= cap && accs.every((a) => a.paths.length === a.seenPaths)) return accs.flatMap((a) => a.paths);
  const out: string[] = [];
  for (const a of accs) {
    if (a.paths.length === 0) continue;
    const share = (cap * a.seenPaths) / Math.max(1, seen);
    let slots = Math.floor(share) + (random() < share - Math.floor(share) ? 1 : 0);
    const pool = [...a.paths];
    for (let i = 0; slots > 0; slots--, i++) {
      if (i === pool.length) i = 0; // more slots than sampled paths: the reservoir is the whole stream, repeat it
      const j = i + Math.floor(random() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
      out.push(pool[i]!);
    }
  }
  return out;
}

function routeModel(route: string, method: string, collapsed: boolean, accs: RouteAcc[], total: number, random: () => number): RouteModel {
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
    paths: mergePaths(accs, collapsed ? MAX_COLLAPSED_PATHS : MAX_PATHS, random),
    exemplars: accs.flatMap((a) => a.exemplars).slice(0, MAX_EXEMPLARS),
  };
  const distinct = new DistinctCounter(8);
  for (const a of accs) distinct.merge(a.distinctPaths);
  m.distinctPaths = distinct.toBase64();
  const lat = hist((a) => a.latency);
  if (lat) m.latency = lat;
  if (collapsed) m.collapsed = true;
  return m;
}

function statusOf(accs: RouteAcc[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of accs) for (const [k, v] of Object.entries(a.status())) out[k] = (out[k] ?? 0) + v;
  return out;
}
