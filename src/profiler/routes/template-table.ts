import { classifySegment } from '../../common/route-normalizer.js';

/**
 * How one template segment matches, from most to least specific:
 * a literal; a typed parameter whose kind the segment has (`:id` for
 * `42`, `:file.png` for `logo.png`); any parameter (`:name`, `{name}`,
 * also a typed one, for a segment of another kind: a route table's `:id`
 * names a value, not its shape); `*` (last) for one or more segments.
 */
const LITERAL = 5;
/** `:id` for `42`, `:token` for a long opaque segment: inference classifies before it looks at an extension. */
const TYPED = 4;
/** `:file.png` for `logo.png`. */
const FILE = 3;
const PARAM = 2;
/** A typed parameter over a segment of another kind (`:id` over `alice`): below an untyped `:user` beside it. */
const OTHER_TYPE = 1;
const STAR = 0;

type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; type?: string; ext?: string }
  | { kind: 'star' };

interface Compiled { template: string; segments: Segment[]; star: boolean }

/** Labels the model's own segment rules give (`route-inference`): a segment of that kind ranks above any parameter. */
const TYPED_LABEL = /^(id|uuid|hex|date|email|token)$/;
const FILE_LABEL = /^file\.([a-z0-9]+)$/i;

function compile(template: string): Compiled {
  const parts = template === '/' ? [''] : template.split('/').slice(1);
  const segments: Segment[] = parts.map((s, i): Segment => {
    if (s === '*' && i === parts.length - 1) return { kind: 'star' };
    const name = /^:(.+)$/.exec(s)?.[1] ?? /^\{(.+)\}$/.exec(s)?.[1];
    if (name === undefined) return { kind: 'literal', text: s };
    const file = FILE_LABEL.exec(name);
    if (file) return { kind: 'param', ext: '.' + file[1]!.toLowerCase() };
    return TYPED_LABEL.test(name) ? { kind: 'param', type: name } : { kind: 'param' };
  });
  const normalized = '/' + parts.map((s, i) => (segments[i]!.kind === 'param' && s.startsWith('{') ? `:${s.slice(1, -1)}` : s)).join('/');
  return { template: normalized, segments, star: segments[segments.length - 1]?.kind === 'star' };
}

/** The rank of `seg` under `s`, or -1 when it does not match. */
function rank(s: Segment, seg: string): number {
  if (s.kind === 'literal') return s.text === seg ? LITERAL : -1;
  if (s.kind === 'star') return STAR;
  if (seg === '') return -1;
  if (s.ext !== undefined) {
    // `:file.png` matches `x.png` (and `X.PNG`) only: other files are other templates.
    return seg.length > s.ext.length && seg.slice(-s.ext.length).toLowerCase() === s.ext ? FILE : -1;
  }
  if (s.type !== undefined) return seg === `:${s.type}` || (seg.length > 64 ? 'token' : classifySegment(seg)) === s.type ? TYPED : OTHER_TYPE;
  return PARAM;
}

/**
 * A route table: the template a path falls under. Every template a model
 * can contain matches (`:name`, `:file.ext`, a trailing `*`), so a build
 * with `--routes-from` a model reproduces its templates. Of several
 * matches, the most specific wins, segment by segment from the left
 * (literal > typed parameter of the segment's kind > file of its
 * extension > parameter > typed parameter of another kind > `*`);
 * at a tie, the longer template (a `*` matches fewer than it spans).
 */
export class TemplateTable {
  private readonly table: Compiled[];

  constructor(templates: readonly string[]) {
    this.table = templates.map(compile);
  }

  get size(): number {
    return this.table.length;
  }

  /** Whether `template` (normalised: `{id}` → `:id`) is one of the table's. */
  has(template: string): boolean {
    return this.table.some((t) => t.template === template);
  }

  /** The template `segments` (a path or template split on `/`, without the leading empty one) fall under, or undefined. */
  match(segments: readonly string[]): string | undefined {
    let best: Compiled | undefined;
    let bestRanks: number[] = [];
    for (const t of this.table) {
      const n = t.segments.length;
      if (t.star ? segments.length < n : segments.length !== n) continue;
      const ranks: number[] = [];
      let ok = true;
      for (let i = 0; i < n; i++) {
        const r = rank(t.segments[i]!, segments[i]!);
        if (r < 0) { ok = false; break; }
        ranks.push(r);
      }
      // `/*` over a single empty segment (`/`) is not "one or more segments".
      if (!ok || (t.star && segments.length === n && segments[n - 1] === '')) continue;
      if (!best || better(ranks, bestRanks)) { best = t; bestRanks = ranks; }
    }
    return best?.template;
  }
}

function better(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return a.length > b.length;
}
