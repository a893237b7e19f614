/**
 * The non-negative decimal integer in text[from, to), or -1 when the range
 * is empty, longer than 15 digits (beyond exact doubles) or not all digits.
 * A char-code loop: parsers call it on every log line and every response
 * head, where slicing a substring for Number() would allocate.
 */
export function decimalAt(text: string, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}
