import { readFileSync } from 'node:fs';

/**
 * Extraction of the runnable examples in the README and docs/*.md: every
 * ```sh and ```yaml block, with the `<!-- doc-test: … -->` annotation on the
 * line right before its fence. Annotations (several separated by `;`):
 *   skip (reason)            the block is not run; a reason is required
 *   long-running             each command is a server: started, awaited, SIGTERMed
 *   exit N for "TEXT"        commands containing TEXT must exit N (N may be 0|4)
 *   schema sidecar|scenario  what a yaml block documents
 *   file examples/X          the yaml block is that file, byte for byte
 *   output of "COMMANDS"     a json block is the shape of what the last of these
 *                            `&&`-joined commands prints: its keys must be there
 *   optional a.b, c          keys of that shape that only some outputs have
 */
export interface DocBlock {
  doc: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: 'sh' | 'yaml' | 'json';
  text: string;
  annotations: string[];
}

export interface DocCommand {
  /** As written (continuations joined, comment stripped). */
  text: string;
  block: DocBlock;
}

const FENCE = /^```(\S*)\s*$/;
const ANNOTATION = /^<!--\s*doc-test:\s*(.*?)\s*-->$/;

export function extractBlocks(file: string, doc: string): DocBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = FENCE.exec(lines[i]!);
    if (!m) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${doc}:${i + 1}: unterminated code block`);
    const lang = m[1];
    if (lang === 'sh' || lang === 'yaml' || lang === 'json') {
      let prev = i - 1;
      while (prev >= 0 && lines[prev]!.trim() === '') prev--;
      const a = prev >= 0 ? ANNOTATION.exec(lines[prev]!.trim()) : null;
      blocks.push({ doc, line: i + 1, lang, text: lines.slice(i + 1, end).join('\n') + '\n', annotations: a ? a[1]!.split(';').map((s) => s.trim()).filter(Boolean) : [] });
    }
    i = end;
  }
  return blocks;
}

/** Index of an unquoted `#` that starts a comment (at the start or after whitespace), or -1. */
function commentStart(line: string): number {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return i;
  }
  return -1;
}

/** Splits at `&&` outside quotes. */
function splitAnd(line: string): string[] {
  const out: string[] = [];
  let quote: string | undefined;
  let from = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) { if (c === quote) quote = undefined; }
    else if (c === "'" || c === '"') quote = c;
    else if (c === '&' && line[i + 1] === '&') { out.push(line.slice(from, i)); from = i + 2; i++; }
  }
  out.push(line.slice(from));
  return out.map((s) => s.trim()).filter(Boolean);
}

/** Commands of a sh block: continuations joined, comments stripped, `&&` split. */
export function commandsOf(block: DocBlock): DocCommand[] {
  const logical: string[] = [];
  let cur = '';
  for (const raw of block.text.split('\n')) {
    const c = commentStart(raw);
    let line = c >= 0 ? raw.slice(0, c) : raw;
    const cont = /\\\s*$/.test(line);
    if (cont) line = line.replace(/\\\s*$/, '');
    cur += (cur ? ' ' : '') + line.trim();
    if (!cont) { if (cur.trim()) logical.push(cur.trim()); cur = ''; }
  }
  if (cur.trim()) logical.push(cur.trim());
  return logical.flatMap((l) => splitAnd(l)).map((text) => ({ text, block }));
}

/** `npm ci`, `npm start`, `npm test`: the repository's own lifecycle, not examples. */
export const isNpmLifecycle = (cmd: string): boolean => /^npm (ci|start|test)\b/.test(cmd);

export function skipReason(block: DocBlock): string | undefined {
  for (const a of block.annotations) {
    const m = /^skip\b\s*(.*)$/.exec(a);
    if (m) return m[1]!.replace(/^\((.*)\)$/, '$1').trim();
  }
  return undefined;
}

/** The exit codes a command must end with (default: 0). */
export function expectedExits(cmd: DocCommand): number[] {
  for (const a of cmd.block.annotations) {
    const m = /^exit\s+([\d|]+)\s+for\s+"([^"]+)"/.exec(a);
    if (m && cmd.text.includes(m[2]!)) return m[1]!.split('|').map(Number);
  }
  return [0];
}

export const annotation = (block: DocBlock, key: string): string | undefined =>
  block.annotations.find((a) => a === key || a.startsWith(`${key} `))?.slice(key.length).trim();

/**
 * Key paths a documented JSON shape promises (`a.b`, `routes[].route`).
 * Keys that are data rather than names (`"200"`, `"0.8"`, `"2xx"`, `"..."`)
 * are not promised; nor is anything inside an array's elements after the first.
 */
export function promisedKeys(doc: unknown, prefix = ''): string[] {
  if (Array.isArray(doc)) return doc.length ? promisedKeys(doc[0], `${prefix}[]`) : [];
  if (doc === null || typeof doc !== 'object') return [];
  return Object.entries(doc as Record<string, unknown>).flatMap(([k, v]) => {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(k)) return [];
    const path = prefix ? `${prefix}.${k}` : k;
    return [path, ...promisedKeys(v, path)];
  });
}

/** Whether `doc` has the key path (an array path holds when any element has it, or the array is empty). */
export function hasKeyPath(doc: unknown, path: string): boolean {
  const [head, ...rest] = path.split('.');
  const arr = head!.endsWith('[]');
  const key = arr ? head!.slice(0, -2) : head!;
  if (doc === null || typeof doc !== 'object' || !(key in (doc as object))) return false;
  const v = (doc as Record<string, unknown>)[key];
  if (rest.length === 0) return true;
  if (arr) return Array.isArray(v) && (v.length === 0 || v.some((e) => hasKeyPath(e, rest.join('.'))));
  return hasKeyPath(v, rest.join('.'));
}
