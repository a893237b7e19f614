import { paramNameFor } from './route-inference.js';

/**
 * Build-time generalisation of inferred route templates (run once over the
 * template tree when the model is finalised, never per log line).
 *
 * Online inference only collapses a level past a fixed number of distinct
 * values, so a small site keeps hundreds of near-empty templates
 * (`/presentations/<talk>/css/theme/:file.css` per talk). Here, with all the
 * traffic seen, two rules apply at each node, children first:
 *
 * Collections (a segment followed by `:id`, `:uuid` or `:hex`) take part in
 * neither: an API's resource names are not values, however rarely called.
 *
 * 1. **Instances → parameter.** Literal children that look alike (the same
 *    shape one level down, Jaccard ≥ ½ of their child keys, or all leaves)
 *    form a group. A group of at least `minSiblings` whose *thin* members
 *    (requests per template below the floor) carry at least half of the
 *    group's traffic is a set of instances of one parameter: all of its
 *    members merge into `:name` (named after the parent), subtrees merged,
 *    and the merged subtree is generalised again. API resources with few,
 *    heavy children stay exact (too few, or too heavy).
 * 2. **Light tail → wildcard.** Children whose whole subtree is below the
 *    floor fold into `parent/*` (any one or more further segments) when
 *    there are at least `minSiblings` of them, or a `*` already exists.
 *
 * The floor adapts to volume: `max(minCount, floorShare × total)`, so a
 * 10k-line and a 10M-line log of the same site give the same shape.
 * Counts only merge; no request is dropped.
 */
export interface RouteCollapseOptions {
  /** A template below this share of all inferred requests is light (default 0.005). */
  floorShare?: number;
  /** …and below this many requests at any volume (default 5). */
  minCount?: number;
  /** Siblings needed before any merge (default 5). */
  minSiblings?: number;
}

export interface CollapsedRoute {
  /** The final template. */
  route: string;
  /** True when it gathers several templates or was renamed (a parameter or `*` made here). */
  collapsed: boolean;
}

interface TNode {
  key: string;
  /** A parameter made here (named at the end, after its parent's final name). */
  made?: boolean;
  children: Map<string, TNode>;
  /** Requests in this subtree. */
  count: number;
  /** Requests whose template ends here. */
  own: number;
  /** Input templates that end here. */
  sources: string[];
}

const newNode = (key: string): TNode => ({ key, children: new Map(), count: 0, own: 0, sources: [] });

/** Labels the segment rules give (`:id`, `:file.png`, …): kept apart from names given by collapsing. */
const KIND = /^:(id|uuid|hex|date|email|token|file\.[a-z0-9]+)$/;
const isParam = (key: string): boolean => key.startsWith(':') && !KIND.test(key);
const OPAQUE = /^:(token|hex)$/;
/**
 * A collection: a segment followed by identifiers (`/refunds/:id`). Its name
 * is part of an API, not a value, however rarely it is called: it is never
 * merged into a parameter nor folded into a wildcard.
 */
const isCollection = (node: TNode): boolean => node.children.has(':id') || node.children.has(':uuid') || node.children.has(':hex');
/**
 * The key of a wildcard made here, written `*` at the end. Apart from a
 * literal `*` segment: Apache logs `OPTIONS *` (its internal dummy
 * connections), which must not read as a wildcard others fold into.
 */
const STAR = '\u0000*';
const isLiteral = (key: string): boolean => key !== '' && key !== STAR && !key.startsWith(':');

const paramChild = (node: TNode): TNode | undefined => {
  for (const c of node.children.values()) if (isParam(c.key)) return c;
  return undefined;
};

/** Merges subtrees; two parameters at the same level are one (`/a/:a/x` + `/b/:b/x` under a new `:p`). */
function mergeInto(target: TNode, source: TNode): void {
  target.count += source.count;
  target.own += source.own;
  for (const s of source.sources) target.sources.push(s);
  for (const [k, child] of source.children) {
    const t = target.children.get(k) ?? (isParam(k) ? paramChild(target) : undefined);
    if (t) {
      // Two names for one position (`:italy` and `:spain` photos under merged albums): named afresh after the parent.
      if (t.key !== child.key) t.made = true;
      mergeInto(t, child);
    } else target.children.set(k, child);
  }
}

/** Folds a whole subtree into `star` (all of it ends there). */
function swallow(star: TNode, node: TNode): void {
  star.count += node.count;
  star.own += node.count;
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    for (const s of n.sources) star.sources.push(s);
    for (const c of n.children.values()) stack.push(c);
  }
}

function templates(node: TNode): number {
  let n = node.own > 0 || node.sources.length > 0 ? 1 : 0;
  for (const c of node.children.values()) n += templates(c);
  return n;
}

/** Child keys one level down, with collapse-made parameter names made generic. */
function shape(node: TNode): Set<string> {
  const out = new Set<string>();
  for (const k of node.children.keys()) out.add(isParam(k) ? ':' : k);
  if (node.own > 0 && node.children.size > 0) out.add('$own');
  return out;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let both = 0;
  for (const k of a) if (b.has(k)) both++;
  return both / (a.size + b.size - both);
}

class Collapser {
  constructor(private readonly floor: number, private readonly minSiblings: number) {}

  /** Pass 1, children first: instances become parameters (before any folding hides their likeness). */
  parameterise(node: TNode): void {
    for (const child of [...node.children.values()]) this.parameterise(child);
    // Once a parameter exists, siblings shaped like it may join it: look again until nothing moves.
    for (let round = 0; round < 4 && this.instances(node); round++);
  }

  /** Pass 2, children first: light tails fold into wildcards. */
  fold(node: TNode, root = true): void {
    for (const child of [...node.children.values()]) this.fold(child, false);
    this.lightTail(node, root);
  }

  /** Merges instance siblings into this level's parameter; true if any moved. */
  private instances(node: TNode): boolean {
    const existing = paramChild(node);
    // Slugs the segment rules took for opaque tokens (`/gallery/rust-nixos-2017`) are values like their literal siblings.
    const literals = [...node.children.values()].filter((c) => (isLiteral(c.key) || (existing !== undefined && OPAQUE.test(c.key))) && !isCollection(c)).sort((a, b) => b.count - a.count);
    if (literals.length < this.minSiblings && !existing) return false;
    // A parameter already here (from online inference) stands for many values: literals shaped like it are more of them.
    const groups: Array<{ shape: Set<string>; members: TNode[]; param?: TNode }> = existing ? [{ shape: shape(existing), members: [], param: existing }] : [];
    for (const c of literals) {
      const s = shape(c);
      const g = groups.find((x) => jaccard(x.shape, s) >= 0.5);
      if (g) g.members.push(c);
      else groups.push({ shape: s, members: [c] });
    }
    const merged: TNode[] = [];
    for (const g of groups) {
      if (g.param) {
        // …unless one dominates the group (`/users/me` next to `/users/:user`).
        const all = g.members.reduce((a, m) => a + m.count, g.param.count);
        merged.push(...g.members.filter((m) => m.count * 2 < all));
        continue;
      }
      if (g.members.length < this.minSiblings) continue;
      let all = 0;
      let thin = 0;
      for (const m of g.members) {
        all += m.count;
        if (m.count < this.floor * Math.max(1, templates(m))) thin += m.count;
      }
      if (thin * 2 >= all) merged.push(...g.members);
    }
    if (merged.length === 0) return false;
    let param = existing;
    if (!param) { param = { ...newNode(':'), made: true }; node.children.set(':', param); }
    for (const m of merged) {
      node.children.delete(m.key);
      mergeInto(param, m);
    }
    // The merged subtree is new structure: look again (its parts are heavier, its values more).
    this.parameterise(param);
    return true;
  }

  /**
   * Folds light children into `*`. A route table matches a one-segment
   * path to a parameter before `*` (see `TemplateTable`), so folding must
   * agree with it, or `--routes-from` the model regroups its own traffic:
   * - below a named level, a light leaf joins a parameter there
   *   (`/tags/rare` into `/tags/:tag`), not the wildcard;
   * - at the root, which names nothing (pages, sections and scanner probes
   *   are not values of one parameter), the other way round: next to a
   *   root wildcard, the root parameter's own requests (`/:param`, the
   *   probes online inference merged) fold into `/*` too.
   */
  private lightTail(node: TNode, root: boolean): void {
    let light = [...node.children.values()].filter((c) => c.key !== '' && c.key !== STAR && c.count < this.floor && !isCollection(c));
    const param = paramChild(node);
    if (param && param.count >= this.floor && !root) {
      const leaves = light.filter((c) => c.children.size === 0);
      for (const c of leaves) {
        node.children.delete(c.key);
        mergeInto(param, c);
      }
      light = light.filter((c) => c.children.size > 0);
    }
    let star = node.children.get(STAR);
    if (!star && light.length < this.minSiblings) return;
    star ??= newNode(STAR);
    node.children.set(STAR, star);
    for (const c of light) {
      node.children.delete(c.key);
      swallow(star, c);
    }
    if (root && param && node.children.get(param.key) === param && param.own > 0) {
      star.count += param.own;
      star.own += param.own;
      for (const s of param.sources) star.sources.push(s);
      param.count -= param.own;
      param.own = 0;
      param.sources = [];
      if (param.children.size === 0) node.children.delete(param.key);
    }
  }
}

/** Deeper than this, the rest of a template is one segment: the passes recurse, and a hostile path can have thousands. */
const MAX_DEPTH = 32;

function segmentsOf(template: string): string[] {
  const segs = template === '/' ? [''] : template.split('/').slice(1);
  return segs.length <= MAX_DEPTH ? segs : [...segs.slice(0, MAX_DEPTH - 1), segs.slice(MAX_DEPTH - 1).join('/')];
}

/**
 * Generalises inferred templates given their request counts (all methods
 * together). Returns, for every input template, its final template.
 * Route-table and source-named templates must not be passed in: they are
 * never collapsed.
 */
export function collapseRoutes(counts: ReadonlyMap<string, number>, opts: RouteCollapseOptions = {}): Map<string, CollapsedRoute> {
  const root = newNode('');
  let total = 0;
  for (const [template, n] of counts) {
    total += n;
    let node = root;
    node.count += n;
    for (const seg of segmentsOf(template)) {
      let c = node.children.get(seg);
      if (!c) { c = newNode(seg); node.children.set(seg, c); }
      node = c;
      node.count += n;
    }
    node.own += n;
    node.sources.push(template);
  }
  const floor = Math.max(opts.minCount ?? 5, (opts.floorShare ?? 0.005) * total);
  const collapser = new Collapser(floor, opts.minSiblings ?? 5);
  collapser.parameterise(root);
  collapser.fold(root);
  const out = new Map<string, CollapsedRoute>();
  const nameOf = (n: TNode): string => (n.key === STAR ? '*' : n.key);
  const walk = (node: TNode, prefix: string[]): void => {
    // `:tag` under `/tags`, `:param` under a parameter.
    for (const c of [...node.children.values()]) if (c.made) c.key = `:${paramNameFor(node.key || undefined)}`;
    if (node.sources.length) {
      const route = prefix.length === 1 && prefix[0] === '' ? '/' : '/' + prefix.join('/');
      const collapsed = node.sources.length > 1 || node.sources[0] !== route;
      for (const s of node.sources) out.set(s, { route, collapsed });
    }
    for (const c of node.children.values()) walk(c, [...prefix, nameOf(c)]);
  };
  for (const c of root.children.values()) if (c.made) c.key = `:${paramNameFor(undefined)}`;
  for (const c of root.children.values()) walk(c, [nameOf(c)]);
  return out;
}
