import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import { canonicalIp, isLoopbackIp, isUnspecifiedIp } from './address.js';

/** The token every address of this machine resolves to (loopback, unspecified, own interfaces). */
export const THIS_HOST = 'this-host';

/**
 * Where a URL's connections land: its port and every address its host
 * resolves to, with all of this machine's addresses folded into `THIS_HOST`.
 * Two endpoints are the same service when they share a port and an address.
 */
export interface Endpoint {
  /** The URL as given, for messages. */
  url: string;
  port: number;
  /** Canonical addresses (or `THIS_HOST`); a name that did not resolve keeps its lower-case name. */
  addresses: ReadonlySet<string>;
}

export interface ResolveOptions {
  /** Injected in tests; default: `dns.lookup(host, { all: true })`. */
  lookup?: (host: string) => Promise<string[]>;
  /** Injected in tests; default: this machine's interface addresses. */
  localAddresses?: () => Iterable<string>;
}

const defaultLookup = async (host: string): Promise<string[]> => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

function ownAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      const ip = canonicalIp(a.address);
      if (ip) out.add(ip);
    }
  }
  return out;
}

const DEFAULT_PORT: Record<string, number> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443, 'h2c:': 80 };

/**
 * Resolves a URL to its endpoint at config time or on a membership change,
 * never per request. A name that does not resolve is kept as its name (the
 * comparison then falls back to case-insensitive names).
 */
export async function resolveEndpoint(url: string, opts: ResolveOptions = {}): Promise<Endpoint> {
  const u = new URL(url);
  const port = u.port ? Number(u.port) : DEFAULT_PORT[u.protocol] ?? 80;
  let host = u.hostname.toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.endsWith('.')) host = host.slice(0, -1);
  const local = new Set([...(opts.localAddresses?.() ?? ownAddresses())].map((a) => canonicalIp(a) ?? a));
  const fold = (ip: string): string => (isLoopbackIp(ip) || isUnspecifiedIp(ip) || local.has(ip) ? THIS_HOST : ip);
  const addresses = new Set<string>();
  const literal = canonicalIp(host);
  if (literal !== undefined) {
    addresses.add(fold(literal));
  } else {
    let resolved: string[] = [];
    try {
      resolved = await (opts.lookup ?? defaultLookup)(host);
    } catch {
      // Unresolvable now: compare by name.
    }
    for (const a of resolved) {
      const ip = canonicalIp(a);
      if (ip !== undefined) addresses.add(fold(ip));
    }
    if (host === 'localhost' || host.endsWith('.localhost')) addresses.add(THIS_HOST);
    if (addresses.size === 0) addresses.add(host);
  }
  return { url, port, addresses };
}

/** True when connections to `a` and `b` reach the same listener (same port, a shared address). */
export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  if (a.port !== b.port) return false;
  for (const x of a.addresses) if (b.addresses.has(x)) return true;
  return false;
}

/** The first of `candidates` that is the same endpoint as one of `forbidden`, with it. */
export async function findSameEndpoint(
  candidates: readonly string[], forbidden: readonly string[], opts: ResolveOptions = {},
): Promise<{ candidate: string; forbidden: string } | undefined> {
  if (candidates.length === 0 || forbidden.length === 0) return undefined;
  const [cs, fs] = await Promise.all([
    Promise.all(candidates.map((c) => resolveEndpoint(c, opts))),
    Promise.all(forbidden.map((f) => resolveEndpoint(f, opts))),
  ]);
  for (const c of cs) for (const f of fs) if (sameEndpoint(c, f)) return { candidate: c.url, forbidden: f.url };
  return undefined;
}
