/** One column of a text table. */
export interface TextColumn {
  header: string;
  /** Numbers align right (the default for them); text left. */
  align?: 'left' | 'right';
  /** Widest a cell may be; longer text is cut with an ellipsis (in the middle when `cut` is 'middle'). */
  max?: number;
  cut?: 'end' | 'middle';
}

/**
 * `s` with control characters made visible (`\n`, `\x1b`, …): text from
 * logs and captures must not break a table's lines or send escape
 * sequences to the terminal.
 */
export function visible(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f-\u009f]/.test(s) ? s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)) : s;
}

/** Width in code points (an emoji or accented letter counts once, as a terminal shows it). */
export function textWidth(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** `s` cut to `max` code points with an ellipsis: at the end, or in the middle (keeps a route's distinguishing tail). */
export function ellipsize(s: string, max: number, cut: 'end' | 'middle' = 'end'): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  if (max <= 1) return '…'.slice(0, max);
  if (cut === 'end') return chars.slice(0, max - 1).join('') + '…';
  const head = Math.ceil((max - 1) / 2);
  return chars.slice(0, head).join('') + '…' + chars.slice(chars.length - (max - 1 - head)).join('');
}

/**
 * Rows as aligned text lines, header first: each column as wide as its
 * widest cell (up to `max`), columns two spaces apart, so no two cells run
 * together however long they are.
 */
export function textTable(columns: readonly TextColumn[], rows: ReadonlyArray<readonly string[]>): string[] {
  const cells = rows.map((r) => columns.map((c, i) => (c.max !== undefined ? ellipsize(visible(r[i] ?? ''), c.max, c.cut) : visible(r[i] ?? ''))));
  const widths = columns.map((c, i) => Math.max(textWidth(c.header), ...cells.map((r) => textWidth(r[i]!))));
  const line = (r: readonly string[]): string => r.map((cell, i) => {
    const pad = ' '.repeat(widths[i]! - textWidth(cell));
    return columns[i]!.align === 'right' ? pad + cell : i === r.length - 1 ? cell : cell + pad;
  }).join('  ');
  return [line(columns.map((c) => c.header)), ...cells.map(line)];
}
