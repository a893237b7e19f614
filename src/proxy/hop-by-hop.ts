/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) are the proxy's own business and are
 * never forwarded. undici also rejects some of them outright
 * (transfer-encoding, keep-alive, upgrade, expect), so they must go.
 */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect',
]);

/** Request headers the fault filter reads; stripped before forwarding. */
export const FAULT_HEADER_PREFIX = 'x-shadowtwin-fault-';

// Names can only be hop-by-hop if their length matches one of these, so most
// headers are passed without lowercasing them (this runs for every request).
const HOP_LENGTHS = new Set([...HOP_BY_HOP].map((h) => h.length));
const maybeDropped = (name: string): boolean =>
  HOP_LENGTHS.has(name.length) || (name.length > FAULT_HEADER_PREFIX.length && (name.charCodeAt(0) | 0x20) === 0x78 /* x */);

/**
 * Filters a raw header list (`[name, value, name, value, ...]`) into the list
 * forwarded upstream. Names listed in `Connection` are dropped too.
 */
export function forwardableRequestHeaders(raw: readonly string[]): string[] {
  let extra: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 10 && raw[i]!.toLowerCase() === 'connection') {
      for (const token of raw[i + 1]!.split(',')) {
        const t = token.trim().toLowerCase();
        if (t && t !== 'close' && t !== 'keep-alive') (extra ??= new Set()).add(t);
      }
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (extra !== undefined || maybeDropped(name)) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower) || extra?.has(lower) || lower.startsWith(FAULT_HEADER_PREFIX)) continue;
    }
    out.push(name, raw[i + 1]!);
  }
  return out;
}

/** Response headers from undici (raw Buffers) → a list for `res.writeHead`. */
export function forwardableResponseHeaders(raw: readonly Buffer[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    if (HOP_LENGTHS.has(name.length) || name.length === 18) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower) || lower === 'proxy-authenticate') continue;
    }
    out.push(name, raw[i + 1]!.toString('latin1'));
  }
  return out;
}
