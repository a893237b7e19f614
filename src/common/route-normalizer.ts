/**
 * Turns raw paths into route templates (`/users/42/orders` → `/users/:id/orders`)
 * the way a person would name them. Used inline by the sidecar, so it is
 * a few regex tests per segment with a bounded cache; the profiler adds
 * cardinality-based collapsing on top (it sees all paths, the sidecar does not).
 */
export type SegmentKind = 'id' | 'uuid' | 'hex' | 'date' | 'email' | 'token';

const SEGMENT_RULES: ReadonlyArray<[RegExp, SegmentKind]> = [
  [/^\d+$/, 'id'],
  [/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'uuid'],
  [/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/, 'date'],
  [/^[^@/\s]+@[^@/\s]+\.[a-z]{2,}$/i, 'email'],
  [/^(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}$/i, 'hex'],
  // Long opaque tokens: base64/base64url with both letters and digits.
  [/^(?=.*\d)(?=.*[a-zA-Z])[A-Za-z0-9_\-+=.~]{20,}$/, 'token'],
];

export function classifySegment(segment: string): SegmentKind | undefined {
  if (segment.length === 0) return undefined;
  // Every rule needs a digit or an '@'; most segments (words) have neither: skip the regexes.
  let digits = 0;
  let at = false;
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 64) at = true;
  }
  if (digits === segment.length) return 'id';
  if (digits === 0 && !at) return undefined;
  for (const [re, kind] of SEGMENT_RULES) if (re.test(segment)) return kind;
  return undefined;
}

interface CompiledTemplate {
  template: string;
  segments: Array<{ literal: string } | { param: string }>;
  statics: number;
}

function splitPath(path: string): string[] {
  return path.split('/').slice(1);
}

/** Accepts `/users/:id` and OpenAPI `/users/{id}` forms. */
export function compileTemplate(template: string): CompiledTemplate {
  const segments = splitPath(template).map((s) => {
    const m = /^:(.+)$/.exec(s) ?? /^\{(.+)\}$/.exec(s);
    return m ? { param: m[1]! } : { literal: s };
  });
  const normalized = '/' + segments.map((s) => ('param' in s ? `:${s.param}` : s.literal)).join('/');
  return { template: normalized, segments, statics: segments.filter((s) => 'literal' in s).length };
}

export interface RouteNormalizerOptions {
  /** Templates that take precedence over the built-in rules. */
  routes?: readonly string[];
  cacheSize?: number;
  /** Segments longer than this are parameters regardless of content. */
  maxSegmentLength?: number;
}

export class RouteNormalizer {
  private readonly table: CompiledTemplate[];
  private readonly cache = new Map<string, string>();
  private readonly cacheSize: number;
  private readonly maxSegmentLength: number;

  constructor(options: RouteNormalizerOptions = {}) {
    // Most specific first: more static segments win over parameters.
    this.table = (options.routes ?? []).map(compileTemplate).sort((a, b) => b.statics - a.statics);
    this.cacheSize = options.cacheSize ?? 10_000;
    this.maxSegmentLength = options.maxSegmentLength ?? 64;
  }

  /** `pathWithQuery` may include `?query`; it is ignored. */
  normalize(pathWithQuery: string): string {
    const q = pathWithQuery.indexOf('?');
    let path = q >= 0 ? pathWithQuery.slice(0, q) : pathWithQuery;
    // Path parameters (`/login;jsessionid=ABC`) carry sessions, never a route.
    if (path.indexOf(';') >= 0) path = path.replace(/;[^/]*/g, '');
    const hit = this.cache.get(path);
    if (hit !== undefined) return hit;
    const route = this.compute(path);
    // Bounded: a scan of unique paths must not grow memory without limit.
    if (this.cache.size >= this.cacheSize) this.cache.clear();
    this.cache.set(path, route);
    return route;
  }

  private compute(path: string): string {
    if (!path.startsWith('/')) return path === '*' ? '*' : '/:invalid';
    const parts = splitPath(path);
    for (const t of this.table) if (matches(t, parts)) return t.template;
    let out = '';
    for (const seg of parts) {
      const kind = seg.length > this.maxSegmentLength ? 'token' : classifySegment(seg);
      out += '/' + (kind ? `:${kind}` : seg);
    }
    return out || '/';
  }
}

function matches(t: CompiledTemplate, parts: string[]): boolean {
  if (t.segments.length !== parts.length) return false;
  for (let i = 0; i < parts.length; i++) {
    const s = t.segments[i]!;
    if ('literal' in s && s.literal !== parts[i]) return false;
    if ('param' in s && parts[i] === '') return false;
  }
  return true;
}

/** Query keys, sorted and de-duplicated; values are never kept. */
export function queryKeys(pathWithQuery: string): string[] {
  const q = pathWithQuery.indexOf('?');
  if (q < 0 || q === pathWithQuery.length - 1) return [];
  const keys = new Set<string>();
  for (const pair of pathWithQuery.slice(q + 1).split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const raw = eq >= 0 ? pair.slice(0, eq) : pair;
    try { keys.add(decodeURIComponent(raw)); } catch { keys.add(raw); }
  }
  return [...keys].sort();
}
