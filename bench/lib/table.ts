export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A markdown table that can be pasted into a README or closing note. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const fmt = (v: string | number): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v);
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.map(fmt).join(' | ')} |`);
  return lines.join('\n');
}

export interface Check { name: string; value: string; target: string; pass: boolean }

export function checksTable(checks: Check[]): string {
  return table(['check', 'measured', 'target', 'result'], checks.map((c) => [c.name, c.value, c.target, c.pass ? 'PASS' : 'FAIL']));
}
