import type { z } from 'zod';

/** One problem in a configuration: where it is, what is wrong, how to fix it. */
export interface ConfigIssue {
  path: string;
  message: string;
  fix?: string;
}

/** Walks a zod 4 schema to the object at `path` and lists its keys (for "did you mean"). */
function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let node: unknown = schema;
  const unwrap = (n: unknown): unknown => {
    for (let i = 0; i < 10; i++) {
      const def = (n as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
      if (!def) return n;
      if (def.innerType) n = def.innerType;
      else if (def.type === 'pipe') n = def.in;
      else return n;
    }
    return n;
  };
  for (const key of [...path, null]) {
    node = unwrap(node);
    const def = (node as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
    if (!def) return [];
    if (key === null) return def.type === 'object' ? Object.keys(def.shape as object) : [];
    if (def.type === 'object') node = (def.shape as Record<string, unknown>)[String(key)];
    else if (def.type === 'array') node = def.element;
    else if (def.type === 'record') node = def.valueType;
    else return [];
  }
  return [];
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

/** Converts zod issues into ours, adding the fix a person needs. */
export function fromZodIssues(schema: z.ZodType, issues: ReadonlyArray<z.core.$ZodIssue>): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        const guess = closest(key, known);
        out.push({
          path: formatPath([...issue.path, key]),
          message: 'unknown key',
          fix: guess ? `did you mean "${guess}"?` : `remove it; known keys here: ${known.join(', ') || '(none)'}`,
        });
      }
      continue;
    }
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      out.push({ path: formatPath(issue.path), message: 'is required', fix: `set it (expected ${issue.expected})` });
      continue;
    }
    out.push({ path: formatPath(issue.path), message: issue.message });
  }
  return out;
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `  - ${i.path}: ${i.message}${i.fix ? ` (fix: ${i.fix})` : ''}`).join('\n');
}
