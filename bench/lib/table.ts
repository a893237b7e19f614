export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median of no values');
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Rounds' spread as "median (min–max)", or the one value when there is one round. */
export function spread(xs: number[], digits = 2): string {
  const f = (v: number): string => v.toFixed(digits);
  if (xs.length === 1) return f(xs[0]!);
  return `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
}

/** A markdown table that can be pasted into a README or closing note. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const fmt = (v: string | number): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v);
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.map(fmt).join(' | ')} |`);
  return lines.join('\n');
}

/**
 * One line of a bench's verdict. `reference` names what the value is
 * compared with, measured in the same run (this machine drifts ±20–30%
 * between runs, so absolute targets would measure the machine). `pass`
 * undefined: a figure shown for information, with no target.
 */
export interface Check { name: string; value: string; reference?: string; target: string; pass?: boolean }

export function checksTable(checks: Check[]): string {
  return table(['check', 'measured', 'same-run reference', 'target', 'result'],
    checks.map((c) => [c.name, c.value, c.reference ?? '—', c.target, c.pass === undefined ? 'info' : c.pass ? 'PASS' : 'FAIL']));
}
