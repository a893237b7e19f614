import { createHistogram, encodeHistogram, pseudonym, userAgentFamily, VERSION, type Histogram, type SkipReport } from '../../common/index.js';
import type { Observation } from '../ingest/observation.js';
import { RouteInference, type RouteInferenceOptions } from '../routes/route-inference.js';
import { SESSION_EXIT, type RequestModel, type RouteModel, type SessionModel } from './request-model.js';

const MAX_PATHS = 50;

/**
 * A flat copy of a string. Parsed fields are V8 slices of the 256 KiB chunk
 * they were read from; keeping one (a map key, a sampled path) would keep the
 * whole chunk alive, and memory would grow with the file.
 */
function own(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** 53-bit string hash (cyrb53): session keys as numbers, so no parsed string is retained per session. */
function hash53(str: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
const MAX_EXEMPLARS = 3;
const MAX_KEYS = 50;

function bump(map: Record<string, number>, key: string, n = 1, cap = MAX_KEYS): void {
  if (map[key] !== undefined || Object.keys(map).length < cap) map[key] = (map[key] ?? 0) + n;
  else map.other = (map.other ?? 0) + n;
}

class RouteAcc {
  requests = 0;
  readonly status: Record<string, number> = {};
  readonly reqBytes = createHistogram();
  readonly resBytes = createHistogram();
  latency: Histogram | undefined;
  readonly queryKeySets: Record<string, number> = {};
  readonly contentTypes: Record<string, number> = {};
  readonly userAgents: Record<string, number> = {};
  readonly geo: Record<string, number> = {};
  readonly paths: string[] = [];
  seenPaths = 0;
  readonly exemplars: string[] = [];
}

interface OpenSession { last: number; lastKey: string; length: number }

export interface BuildOptions extends RouteInferenceOptions {
  /** Rate series step (default 60 s). */
  stepMs?: number;
  /** Session inactivity gap (default 30 min). */
  sessionGapMs?: number;
  /** Seeded sampling of paths (reservoir); Math.random by default. */
  random?: () => number;
  /** Salt for pseudonymising raw client addresses from logs. */
  salt?: string;
}

/**
 * Streams observations into a model in bounded memory: per-route
 * accumulators (bounded by routes), open sessions (evicted after the gap),
 * per-step and per-second counts (bounded by the time span). Input should be
 * roughly time-ordered per session for sessionisation (logs are).
 */
export class ModelBuilder {
  private readonly inference: RouteInference;
  private readonly routes = new Map<string, RouteAcc>();
  private readonly stepMs: number;
  private readonly gapMs: number;
  private readonly random: () => number;
  private readonly salt: string;
  private readonly steps = new Map<number, number>();
  private readonly seconds = new Map<number, number>();
  private readonly hour = new Array<number>(24).fill(0);
  private readonly dow = new Array<number>(7).fill(0);
  private readonly uas: Record<string, number> = {};
  private readonly clients = new Map<string, number>();
  private readonly open = new Map<number, OpenSession>();
  private readonly sessionLength = createHistogram();
  private readonly thinkTime = createHistogram();
  private readonly startStates: Record<string, number> = {};
  private readonly transitions: Record<string, Record<string, number>> = {};
  private sessionCount = 0;
  private sessionsSeen = false;
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
  }

  add(o: Observation): void {
    this.records++;
    const route = o.route && o.route.includes(':') ? o.route : this.inference.observe(o.target);
    const key = `${o.method} ${route}`;
    let acc = this.routes.get(key);
    if (!acc) this.routes.set(own(key), (acc = new RouteAcc()));
    acc.requests++;
    const st = String(o.status);
    acc.status[st] = (acc.status[st] ?? 0) + 1;
    acc.reqBytes.recordValue((o.reqBytes ?? 0) + 1);
    acc.resBytes.recordValue(o.resBytes + 1);
    if (o.durationMs !== undefined) (acc.latency ??= createHistogram()).recordValue(Math.max(1, Math.round(o.durationMs * 1000)));
    const q = o.target.indexOf('?');
    if (q >= 0) {
      const keys = [...new Set(o.target.slice(q + 1).split('&').map((p) => p.split('=')[0]!).filter(Boolean))].sort().join('&');
      bump(acc.queryKeySets, keys);
    }
    if (o.contentType) bump(acc.contentTypes, o.contentType);
    const ua = o.userAgent && o.userAgent.length <= 20 && !o.userAgent.includes('/') && !o.userAgent.includes(' ') ? o.userAgent : userAgentFamily(o.userAgent);
    bump(acc.userAgents, ua);
    bump(this.uas, ua);
    if (o.geo) bump(acc.geo, o.geo);
    // Reservoir sample of raw paths: parameter values for synthesis.
    acc.seenPaths++;
    if (acc.paths.length < MAX_PATHS) acc.paths.push(own(o.target));
    else {
      const j = Math.floor(this.random() * acc.seenPaths);
      if (j < MAX_PATHS) acc.paths[j] = own(o.target);
    }
    if (o.body && acc.exemplars.length < MAX_EXEMPLARS) acc.exemplars.push(own(o.body.slice(0, 4096)));

    if (o.ts < this.minTs) this.minTs = o.ts;
    if (o.ts > this.maxTs) this.maxTs = o.ts;
    const step = Math.floor(o.ts / this.stepMs);
    this.steps.set(step, (this.steps.get(step) ?? 0) + 1);
    const sec = Math.floor(o.ts / 1000);
    this.seconds.set(sec, (this.seconds.get(sec) ?? 0) + 1);
    // UTC hour and weekday without a Date object (1970-01-01 was a Thursday).
    const hours = Math.floor(o.ts / 3_600_000);
    this.hour[((hours % 24) + 24) % 24]!++;
    this.dow[(((Math.floor(hours / 24) + 4) % 7) + 7) % 7]!++;

    // Raw client keys stay in memory only; the few written to the model are pseudonymised in build().
    const client = o.client;
    if (client) {
      const n = this.clients.get(client);
      if (n !== undefined) this.clients.set(client, n + 1);
      else if (this.clients.size < 10_000) this.clients.set(own(client), 1);
    }
    const sessionKey = o.session ?? client;
    if (sessionKey) this.session(hash53(sessionKey), key, o.ts);
    if (this.records % 1024 === 0) this.evict(o.ts);
  }

  private session(sk: number, key: string, ts: number): void {
    this.sessionsSeen = true;
    const s = this.open.get(sk);
    if (!s || ts - s.last > this.gapMs) {
      if (s) this.close(s);
      this.sessionCount++;
      this.startStates[key] = (this.startStates[key] ?? 0) + 1;
      this.open.delete(sk); // re-insert at the end: the map stays in activity order
      this.open.set(sk, { last: ts, lastKey: this.ownKey(key), length: 1 });
      return;
    }
    const from = (this.transitions[s.lastKey] ??= {});
    from[key] = (from[key] ?? 0) + 1;
    this.thinkTime.recordValue(Math.max(1, Math.round(ts - s.last)));
    s.last = ts;
    s.lastKey = this.ownKey(key);
    s.length++;
    // Keep the map in last-activity order so eviction only looks at its head.
    this.open.delete(sk);
    this.open.set(sk, s);
  }

  /** Route keys are few: keep one flat copy of each and share it. */
  private readonly keys = new Map<string, string>();
  private ownKey(key: string): string {
    let k = this.keys.get(key);
    if (k === undefined) { k = own(key); this.keys.set(k, k); }
    return k;
  }

  private close(s: OpenSession): void {
    this.sessionLength.recordValue(s.length);
    const from = (this.transitions[s.lastKey] ??= {});
    from[SESSION_EXIT] = (from[SESSION_EXIT] ?? 0) + 1;
  }

  /** Closes sessions idle for longer than the gap (bounded memory on long inputs); the map is in activity order. */
  private evict(now: number): void {
    for (const [k, s] of this.open) {
      if (now - s.last <= this.gapMs) break;
      this.close(s);
      this.open.delete(k);
    }
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
    for (const s of this.open.values()) this.close(s);
    this.open.clear();
    // Templates handed out before later collapses map to their final form.
    const merged = new Map<string, { route: string; method: string; acc: RouteAcc[] }>();
    for (const [key, acc] of this.routes) {
      const sp = key.indexOf(' ');
      const method = key.slice(0, sp);
      const route = this.inference.remap(key.slice(sp + 1));
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
      for (const [k, v] of Object.entries(this.startStates)) start[remapKey(k)] = (start[remapKey(k)] ?? 0) + v;
      const transitions: Record<string, Record<string, number>> = {};
      for (const [from, tos] of Object.entries(this.transitions)) {
        const f = (transitions[remapKey(from)] ??= {});
        for (const [to, v] of Object.entries(tos)) f[remapKey(to)] = (f[remapKey(to)] ?? 0) + v;
      }
      sessions = { gapMs: this.gapMs, count: this.sessionCount, length: encodeHistogram(this.sessionLength), thinkTimeMs: encodeHistogram(this.thinkTime), start, transitions };
    }

    const first = Number.isFinite(this.minTs) ? Math.floor(this.minTs / this.stepMs) : 0;
    const last = Number.isFinite(this.maxTs) ? Math.floor(this.maxTs / this.stepMs) : -1;
    const counts: number[] = [];
    for (let s = first; s <= last; s++) counts.push(this.steps.get(s) ?? 0);
    const seconds = secondCounts(this.seconds, this.minTs, this.maxTs);
    const total = Math.max(1, this.records);
    const top = [...this.clients.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20)
      .map(([client, requests]) => ({ client: /^[0-9a-f]{16}$/.test(client) ? client : pseudonym(client, this.salt), requests }));
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
        stepMs: this.stepMs, start: first * this.stepMs, counts,
        hourOfDay: this.hour.map((h) => h / total), dayOfWeek: this.dow.map((d) => d / total),
        dispersion: dispersionOf(seconds.counts), seconds,
      },
      userAgents: { ...this.uas },
      clients: { distinct: this.clients.size, top },
    };
  }
}

function routeModel(route: string, method: string, accs: RouteAcc[], total: number): RouteModel {
  const sum = <K extends 'status' | 'queryKeySets' | 'contentTypes' | 'userAgents' | 'geo'>(k: K): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const a of accs) for (const [kk, v] of Object.entries(a[k])) out[kk] = (out[kk] ?? 0) + v;
    return out;
  };
  const hist = (pick: (a: RouteAcc) => Histogram | undefined): string | undefined => {
    const parts = accs.map(pick).filter((h): h is Histogram => h !== undefined);
    if (parts.length === 0) return undefined;
    const h = createHistogram();
    for (const p of parts) h.add(p);
    return encodeHistogram(h);
  };
  const requests = accs.reduce((a, x) => a + x.requests, 0);
  const m: RouteModel = {
    route, method, requests, weight: requests / Math.max(1, total),
    status: sum('status'), reqBytes: hist((a) => a.reqBytes)!, resBytes: hist((a) => a.resBytes)!,
    queryKeySets: sum('queryKeySets'), contentTypes: sum('contentTypes'), userAgents: sum('userAgents'), geo: sum('geo'),
    paths: accs.flatMap((a) => a.paths).slice(0, MAX_PATHS),
    exemplars: accs.flatMap((a) => a.exemplars).slice(0, MAX_EXEMPLARS),
  };
  const lat = hist((a) => a.latency);
  if (lat) m.latency = lat;
  return m;
}

/** Dense per-second counts over the window (empty seconds are 0). */
function secondCounts(seconds: Map<number, number>, minTs: number, maxTs: number): { start: number; counts: number[] } {
  if (!Number.isFinite(minTs)) return { start: 0, counts: [] };
  const first = Math.floor(minTs / 1000);
  const counts = new Array<number>(Math.floor(maxTs / 1000) - first + 1).fill(0);
  for (const [s, c] of seconds) counts[s - first] = c;
  return { start: first, counts };
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
