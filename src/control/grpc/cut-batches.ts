/**
 * Cuts items into batches of at most `maxItems` items and `maxBytes` bytes
 * (by `sizeOf`), in order. An item bigger than `maxBytes` alone cannot be
 * sent: it is returned in `tooLarge` instead. Pure.
 */
export function cutBatches<T>(items: readonly T[], sizeOf: (item: T) => number, maxItems: number, maxBytes: number): { batches: T[][]; tooLarge: T[] } {
  const batches: T[][] = [];
  const tooLarge: T[] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (size > maxBytes) { tooLarge.push(item); continue; }
    if (cur.length > 0 && (cur.length >= maxItems || bytes + size > maxBytes)) {
      batches.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(item);
    bytes += size;
  }
  if (cur.length > 0) batches.push(cur);
  return { batches, tooLarge };
}
