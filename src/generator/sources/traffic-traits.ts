import { ShadowtwinError, userAgentExample, VERSION, type Random } from '../../common/index.js';
import type { RequestModel, RouteModel } from '../../profiler/index.js';
import { WeightedChoice } from './weighted-choice.js';

/**
 * What a scenario can change about the synthesised traffic's identity
 * (`source:` keys of a model source): what-ifs on top of the model's mixes.
 */
export interface TraitOptions {
  /** Weight multipliers by user-agent family, or by a part of family names (`mobile`: every `*-mobile` family). */
  userAgents?: Record<string, number>;
  /** Weight multipliers by geo value. */
  geo?: Record<string, number>;
  /** Header that carries the geo value (default `x-geo`). */
  geoHeader?: string;
  /** Client identity: header (default `x-forwarded-for`) and pool size (default: the model's distinct clients). */
  clients?: { header?: string; count?: number };
  /** Session identity: a cookie or a header (default: as the model saw it). */
  sessions?: { cookie?: string; header?: string };
  /** Headers every request carries, over the synthesised ones (the scenario's `headers`). */
  headers?: Record<string, string>;
}

/** Where the session identity goes when the model says sessions were named but not by what. */
export const DEFAULT_SESSION_COOKIE = 'shadowtwin_session';
export const DEFAULT_GEO_HEADER = 'x-geo';
export const DEFAULT_CLIENT_HEADER = 'x-forwarded-for';

interface RouteTraits {
  ua: WeightedChoice<string | null>;
  geo: WeightedChoice<string | null>;
  /** Query key sets ('' = no query string). */
  query: WeightedChoice<string>;
  /** Observed query strings (from the path sample) by key set, for realistic values. */
  queryExamples: Map<string, string[]>;
  contentType: WeightedChoice<string>;
}

/** Does override key `key` apply to family `family`: the name itself or one of its dash-separated parts. */
export function familyMatches(family: string, key: string): boolean {
  return family === key || family.split('-').includes(key);
}

function multiplierFor(value: string, overrides: Record<string, number> | undefined, match: (value: string, key: string) => boolean): number {
  if (!overrides) return 1;
  let m = 1;
  for (const [k, v] of Object.entries(overrides)) if (match(value, k)) m *= v;
  return m;
}

/** Sorted key set (`page&q`) of a query string without its `?`. */
function keySetOf(query: string): string {
  const keys: string[] = [];
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    if (k && !keys.includes(k)) keys.push(k);
  }
  return keys.sort().join('&');
}

/**
 * A client address for pool index `i`: from 198.18.0.0/15 (RFC 2544, set
 * aside for benchmarks: never a real client), then 10.0.0.0/8. Non-address
 * headers get `client-N`.
 */
export function clientValue(i: number, addressLike: boolean): string {
  if (!addressLike) return `client-${i}`;
  const n = i + 1; // no .0 host
  if (n < 131_072) return `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
  const j = n - 131_072;
  return `10.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}`;
}

/**
 * The identity of synthesised requests, precomputed from a model: the user
 * agent (one real string per family, drawn from the route's family mix),
 * the client (a pool sized like the model's distinct clients), the geo
 * value, the query keys (in their observed mix) and the body's content type,
 * each with the scenario's what-if multipliers. Per session (the sessions
 * executor) one user agent, client, geo and session id for all its requests;
 * otherwise each request draws its own.
 */
export class TrafficTraits {
  /** method → route → traits: two lookups on the model's own strings, no key built per request. */
  private readonly byRoute = new Map<string, Map<string, RouteTraits>>();
  private readonly byKey = new Map<string, RouteTraits>();
  /** User-agent mixes of sessions by start route (models that record them): a session's UA, e.g. bots start elsewhere. */
  private readonly sessionUa = new Map<string, WeightedChoice<string | null>>();
  private readonly fallback: RouteTraits;
  private readonly random: Random;
  private readonly clientHeader: string;
  private readonly clientCount: number;
  private readonly clientAddressLike: boolean;
  private readonly geoHeader: string;
  /** `cookie` or a header name, and the cookie's name. */
  private readonly session: { cookie: string } | { header: string } | undefined;
  private readonly extra: Record<string, string>;
  private readonly defaultUa: string | null;

  constructor(model: RequestModel, opts: TraitOptions, random: Random) {
    this.random = random;
    const families = new Set<string>(Object.keys(model.userAgents ?? {}));
    for (const r of model.routes) for (const f of Object.keys(r.userAgents ?? {})) families.add(f);
    const geos = new Set<string>();
    for (const r of model.routes) for (const g of Object.keys(r.geo ?? {})) geos.add(g);
    check(opts.userAgents, 'source.userAgents', 'user-agent family', [...families], (f, k) => familyMatches(f, k));
    check(opts.geo, 'source.geo', 'geo value', [...geos], (g, k) => g === k);

    this.defaultUa = families.size === 0 ? `shadowtwin/${VERSION}` : null;
    const uaMix = (counts: Record<string, number>): WeightedChoice<string | null> => {
      const fams = Object.keys(counts);
      return new WeightedChoice(fams.map((f) => userAgentExample(f)), fams.map((f) => counts[f]! * multiplierFor(f, opts.userAgents, familyMatches)));
    };
    const globalUa = uaMix(model.userAgents ?? {});
    if (families.size > 0 && globalUa.total <= 0) {
      throw new ShadowtwinError('ST_ERR_SCENARIO_INVALID', 'source.userAgents: the multipliers leave every user-agent family at weight 0; keep at least one above 0');
    }
    const geoMix = (r: RouteModel): WeightedChoice<string | null> => {
      const entries = Object.entries(r.geo ?? {});
      const seen = entries.reduce((a, [, v]) => a + v, 0);
      return new WeightedChoice<string | null>([...entries.map(([g]) => g), null], [...entries.map(([g, v]) => v * multiplierFor(g, opts.geo, (a, b) => a === b)), Math.max(0, r.requests - seen)]);
    };
    const build = (r: RouteModel): RouteTraits => {
      const ua = uaMix(r.userAgents ?? {});
      const sets = Object.entries(r.queryKeySets ?? {});
      const withQuery = sets.reduce((a, [, v]) => a + v, 0);
      const queryExamples = new Map<string, string[]>();
      for (const p of r.paths ?? []) {
        const q = p.indexOf('?');
        if (q < 0 || q === p.length - 1) continue;
        const query = p.slice(q + 1);
        const set = keySetOf(query);
        const list = queryExamples.get(set) ?? [];
        list.push(query);
        queryExamples.set(set, list);
      }
      const cts = Object.entries(r.contentTypes ?? {}).filter(([k]) => k !== 'other');
      return {
        ua: ua.total > 0 ? ua : globalUa,
        geo: geoMix(r),
        query: new WeightedChoice(['', ...sets.map(([k]) => k)], [Math.max(0, r.requests - withQuery), ...sets.map(([, v]) => v)]),
        queryExamples,
        contentType: new WeightedChoice(cts.map(([k]) => k), cts.map(([, v]) => v)),
      };
    };
    for (const r of model.routes) {
      const t = build(r);
      this.byKey.set(`${r.method} ${r.route}`, t);
      let m = this.byRoute.get(r.method);
      if (!m) this.byRoute.set(r.method, (m = new Map()));
      m.set(r.route, t);
    }
    for (const [k, counts] of Object.entries(model.sessions?.startUserAgents ?? {})) {
      const c = uaMix(counts);
      if (c.total > 0) this.sessionUa.set(k, c);
    }
    this.fallback = { ua: globalUa, geo: new WeightedChoice<string | null>([], []), query: new WeightedChoice([''], [1]), queryExamples: new Map(), contentType: new WeightedChoice<string>([], []) };

    this.clientHeader = (opts.clients?.header ?? model.clients?.header ?? DEFAULT_CLIENT_HEADER).toLowerCase();
    this.clientAddressLike = /forwarded|(^|-)ip$|addr/.test(this.clientHeader);
    this.clientCount = opts.clients?.count ?? Math.max(0, Math.round(model.clients?.distinct ?? 0));
    this.geoHeader = (opts.geoHeader ?? model.geoHeader ?? DEFAULT_GEO_HEADER).toLowerCase();
    const identity = model.sessions?.identity;
    if (opts.sessions?.cookie) this.session = { cookie: opts.sessions.cookie };
    else if (opts.sessions?.header) this.session = { header: opts.sessions.header.toLowerCase() };
    else if (identity?.cookie) this.session = { cookie: identity.cookie };
    else if (identity?.header) this.session = { header: identity.header };
    else if (identity?.kind === 'source') this.session = { cookie: DEFAULT_SESSION_COOKIE };
    // Sessions seen only through their client: each synthesised session's own client carries it.
    this.extra = Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  }

  /** Client strings made once each (the first 65,536 of the pool). */
  private readonly clients: string[] = new Array<string>(65_536);

  private client(i: number): string {
    if (i >= 65_536) return clientValue(i, this.clientAddressLike);
    return (this.clients[i] ??= clientValue(i, this.clientAddressLike));
  }

  private traits(key: string): RouteTraits {
    return this.byKey.get(key) ?? this.fallback;
  }

  private routeTraits(method: string, route: string): RouteTraits {
    return this.byRoute.get(method)?.get(route) ?? this.fallback;
  }

  private headers(t: RouteTraits, client: number, uaChoice = t.ua): Record<string, string> {
    const h: Record<string, string> = {};
    const ua = uaChoice.pick(this.random()) ?? this.defaultUa;
    if (ua !== null) h['user-agent'] = ua;
    if (client >= 0) h[this.clientHeader] = this.client(client);
    const geo = t.geo.pick(this.random());
    if (geo) h[this.geoHeader] = geo;
    return h;
  }

  /** Headers of one request outside any session: user agent, client and geo drawn for it. */
  requestHeaders(method: string, route: string): Record<string, string> {
    const h = this.headers(this.routeTraits(method, route), this.clientCount > 0 ? Math.floor(this.random() * this.clientCount) : -1);
    return Object.assign(h, this.extra);
  }

  /**
   * Headers of every request of session number `n` (from 1), starting at
   * route `startKey`: one user agent (from the mix of sessions that started
   * there, else the route's) and geo (the start route's mix),
   * client `n` of the pool (so sessions open at once never share a client),
   * and a pseudonymous session id.
   */
  sessionHeaders(startKey: string, n: number): Record<string, string> {
    const count = this.clientCount > 0 ? this.clientCount : this.session ? 0 : 1 << 24;
    const t = this.traits(startKey);
    const h = this.headers(t, count > 0 ? (n - 1) % count : -1, this.sessionUa.get(startKey) ?? t.ua);
    if (this.session) {
      const id = `s${(Math.floor(this.random() * 0x1_0000_0000)).toString(16).padStart(8, '0')}${(Math.floor(this.random() * 0x1_0000_0000)).toString(16).padStart(8, '0')}`;
      if ('cookie' in this.session) h.cookie = `${this.session.cookie}=${id}`;
      else h[this.session.header] = id;
    }
    return Object.assign(h, this.extra);
  }

  /** `path` (its own query dropped) with a query string drawn from the route's key-set mix. */
  target(method: string, route: string, path: string): string {
    const t = this.routeTraits(method, route);
    const q = path.indexOf('?');
    const base = q >= 0 ? path.slice(0, q) : path;
    const set = t.query.pick(this.random());
    if (!set) return base;
    const examples = t.queryExamples.get(set);
    if (examples?.length) return `${base}?${examples[Math.floor(this.random() * examples.length)]!}`;
    if (set === 'other') {
      // Past the model's key-set cap: any observed query string the named sets do not cover.
      return q >= 0 ? path : base;
    }
    return `${base}?${set.split('&').map((k) => `${k}=1`).join('&')}`;
  }

  /** Content type for a body on a route (the observed mix; octet-stream when none was seen). */
  contentType(method: string, route: string): string {
    return this.routeTraits(method, route).contentType.pick(this.random()) ?? 'application/octet-stream';
  }
}

function check(overrides: Record<string, number> | undefined, path: string, what: string, known: string[], match: (value: string, key: string) => boolean): void {
  if (!overrides) return;
  for (const key of Object.keys(overrides)) {
    if (!known.some((v) => match(v, key))) {
      throw new ShadowtwinError('ST_ERR_SCENARIO_INVALID', `${path}.${key}: the model has no ${what} "${key}" (it has: ${known.slice(0, 20).join(', ') || 'none'})`);
    }
  }
}
