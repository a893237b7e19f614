import type { ShapeProblem } from './contract.js';

/**
 * Shape problems as the fields they name, each once, in the schema's order:
 * `summary.requests`, `primary[3].status`; a problem inside a row of one of
 * `rows` (array path → what a row needs) is named as the row:
 * `histograms.routes[0] (route, method, requests, errors, histogram)`.
 */
export function fieldList(problems: readonly ShapeProblem[], rows: Readonly<Record<string, string>> = {}): string[] {
  const out = new Set<string>();
  for (const p of problems) {
    let text = '';
    let named: string | undefined;
    for (const key of p.path) {
      if (typeof key === 'number') {
        text += `[${key}]`;
        const needs = rows[text.slice(0, text.lastIndexOf('['))];
        if (needs !== undefined) { named = `${text} ${needs}`; break; }
      } else {
        text += text ? `.${String(key)}` : String(key);
      }
    }
    out.add(named ?? (text || '(document)'));
  }
  return [...out];
}

/** "a, b, c" with at most `max` named and the rest counted. */
export function listed(fields: readonly string[], max = 8): string {
  return `${fields.slice(0, max).join(', ')}${fields.length > max ? ` and ${fields.length - max} more` : ''}`;
}
