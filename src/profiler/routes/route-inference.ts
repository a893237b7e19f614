import { classifySegment } from '../../common/route-normalizer.js';
import { flatCopy } from '../flat-copy.js';
import { TemplateTable } from './template-table.js';

interface Node {
  children: Map<string, Node>;
  /** The node above (undefined for the root), and this node's key there (param nodes are labelled by their parent's paramLabel). */
  up: Node | undefined;
  key: string;
  /** Set once siblings exceed the threshold: every value here is one parameter. */
  param: Node | undefined;
  /** `:user` for `/users/:user`: the label of `param`, made once per collapse rather than per line. */
  paramLabel: string;
  count: number;
  /**
   * The template of paths ending here, kept once built: callers key maps by
   * it, and handing out the same flat string each time lets V8 reuse its
   * hash instead of flattening and hashing a fresh concatenation per line.
   */
  template: string | undefined;
}

const newNode = (up?: Node, key = ''): Node => ({ children: new Map(), up, key, param: undefined, paramLabel: ':param', count: 0, template: undefined });

/** Labels of the built-in segment kinds, made once (a literal per line would be built and hashed per line). */
const KIND_LABELS: Record<string, string> = {};
const kindLabel = (kind: string): string => (KIND_LABELS[kind] ??= `:${kind}`);

/**
 * The template of the paths ending at `node`, from the labels on the way up.
 * Built only when a node is first reached (or after a collapse renamed its
 * ancestors): observe() no longer concatenates a template per line.
 */
function templateOf(node: Node): string {
  const labels: string[] = [];
  for (let n = node; n.up; n = n.up) labels.push(n === n.up.param ? n.up.paramLabel : n.key);
  return labels.length ? '/' + labels.reverse().join('/') : '/';
}

function forgetTemplates(node: Node): void {
  node.template = undefined;
  for (const child of node.children.values()) forgetTemplates(child);
  if (node.param) forgetTemplates(node.param);
}

const STATIC = /^(.+)\.(png|jpe?g|gif|svg|ico|css|js|mjs|map|woff2?|ttf|eot|webp|avif|mp4|webm|pdf|txt|xml|json)$/i;

/** `users` → `user`, `categories` → `category`: the name a person gives a member (`param` under a name with digits). */
export function paramNameFor(parent: string | undefined): string {
  if (!parent || parent.startsWith(':')) return 'param';
  const p = parent.toLowerCase().replace(/[^a-z0-9_]/g, '');
  // `v1.4`, `2019`, `img_2041`: a value, not a name for its members.
  if (!p || /\d/.test(p)) return 'param';
  if (p.endsWith('ies')) return p.slice(0, -3) + 'y';
  if (p.endsWith('ses')) return p.slice(0, -2);
  if (p.endsWith('s') && p.length > 3) return p.slice(0, -1);
  return p;
}

function mergeInto(target: Node, source: Node): void {
  target.count += source.count;
  for (const [k, child] of source.children) {
    const t = target.children.get(k);
    if (t) mergeInto(t, child);
    else {
      target.children.set(k, child);
      child.up = target;
    }
  }
  if (source.param) {
    target.param ??= newNode(target);
    mergeInto(target.param, source.param);
  }
}

export interface RouteInferenceOptions {
  /** Distinct sibling values before they collapse into a parameter (default 40). */
  maxSiblings?: number;
  /** Templates that take precedence (route table or OpenAPI paths). */
  routes?: readonly string[];
}

/**
 * Infers route templates online, in bounded memory: built-in segment rules
 * first (numbers, UUIDs, hex, dates, emails, tokens → `:id`, `:uuid`, …),
 * then a prefix tree with distinct-value counts per level: once a level has
 * more than `maxSiblings` distinct literal values they collapse into one
 * parameter named after the parent (`/users/alice` → `/users/:user`), and
 * their subtrees merge. Static assets group by extension (`/img/:file.png`).
 * Templates handed out before a collapse are mapped again with `remap`.
 */
export class RouteInference {
  private readonly root = newNode();
  /** Paths matched by the route table (the rest were inferred). */
  tableHits = 0;
  private readonly maxSiblings: number;
  private readonly table: TemplateTable;

  constructor(opts: RouteInferenceOptions = {}) {
    this.maxSiblings = opts.maxSiblings ?? 40;
    this.table = new TemplateTable(opts.routes ?? []);
  }

  /** The template for a path (query string ignored), learning from it. */
  observe(target: string): string {
    const q = target.indexOf('?');
    const end = q >= 0 ? q : target.length;
    if (this.table.size) {
      const fromTable = this.table.match(target.slice(0, end).split('/').slice(1));
      if (fromTable) { this.tableHits++; return fromTable; }
    }
    let node = this.root;
    node.count++;
    let parent: string | undefined;
    // Segments are walked with indexOf rather than split(): this runs once per log line.
    let from = target.charCodeAt(0) === 47 ? 1 : 0;
    for (;;) {
      let slash = target.indexOf('/', from);
      if (slash < 0 || slash > end) slash = end;
      const last = slash === end;
      const seg = target.slice(from, slash);
      const kind = seg.length > 64 ? 'token' : classifySegment(seg);
      let label: string;
      let staticExt: RegExpExecArray | null = null;
      if (kind) {
        label = kindLabel(kind);
      } else if (last && seg.includes('.') && (staticExt = STATIC.exec(seg))) {
        label = `:file.${staticExt[2]!.toLowerCase()}`;
      } else if (node.param && seg !== '') {
        // A heavy value kept at the collapse (`/blog` among scanner probes at the root) stays itself.
        label = node.children.has(seg) ? seg : node.paramLabel;
      } else {
        label = seg;
      }
      if (!kind && !staticExt && node.param && label.charCodeAt(0) === 58) {
        node = node.param;
      } else {
        let child = node.children.get(label);
        if (!child) {
          if (label !== '' && label.charCodeAt(0) !== 58 && this.literalCount(node) >= this.maxSiblings) {
            this.collapse(node, parent);
            label = node.paramLabel;
            child = node.param!;
          } else {
            child = newNode(node, label);
            node.children.set(label, child);
          }
        }
        node = child;
      }
      node.count++;
      parent = label;
      if (last) break;
      from = slash + 1;
    }
    return (node.template ??= flatCopy(templateOf(node)));
  }

  private literalCount(node: Node): number {
    let n = 0;
    for (const k of node.children.keys()) if (!k.startsWith(':')) n++;
    return n;
  }

  /**
   * Merges a level's literal values into one parameter, except values
   * already clearly heavy (at least 3 requests and 1/(4 × maxSiblings) of
   * the level's): at the root, 40 scanner probes must not swallow `/blog`.
   * At most 4 × maxSiblings values can be kept, so memory stays bounded;
   * the build-time pass (route-collapse) merges kept values that turn out
   * to be instances of the parameter.
   */
  private collapse(node: Node, parent: string | undefined): void {
    node.param ??= newNode(node);
    node.paramLabel = `:${paramNameFor(parent)}`;
    const keep = Math.max(3, node.count / (4 * this.maxSiblings));
    for (const [k, child] of [...node.children]) {
      // An empty segment (`/`, `/a/`) is the directory itself, not one of its values.
      if (k.startsWith(':') || k === '' || child.count >= keep) continue;
      mergeInto(node.param, child);
      node.children.delete(k);
    }
    forgetTemplates(node.param);
  }

  /** Whether `template` is one of the route table's (those are never generalised). */
  isTableTemplate(template: string): boolean {
    return this.table.has(template);
  }

  /** Maps a template handed out earlier to its current form (after later collapses). */
  remap(template: string): string {
    if (this.isTableTemplate(template)) return template;
    const segments = template.split('/').slice(1);
    let node: Node | undefined = this.root;
    let out = '';
    for (const seg of segments) {
      let label = seg;
      if (node && seg !== '' && !seg.startsWith(':') && node.param && !node.children.has(seg)) label = node.paramLabel;
      out += '/' + label;
      node = node ? (label.startsWith(':') && !node.children.has(label) ? node.param : node.children.get(label)) : undefined;
    }
    return out || '/';
  }
}
