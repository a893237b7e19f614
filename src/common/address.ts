import { isIP } from 'node:net';

export interface HostPort { host: string; port: number }

/**
 * Parses `HOST:PORT`, `:PORT`, `PORT` or `[v6]:PORT`. Returns undefined when
 * the text is not an address so config validation can list the problem.
 */
export function parseHostPort(text: string, defaultHost = '127.0.0.1'): HostPort | undefined {
  const s = text.trim();
  let host: string;
  let portText: string;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (v6) {
    host = v6[1]!;
    portText = v6[2]!;
  } else if (/^\d+$/.test(s)) {
    host = defaultHost;
    portText = s;
  } else {
    const i = s.lastIndexOf(':');
    if (i < 0) return undefined;
    host = s.slice(0, i) || defaultHost;
    portText = s.slice(i + 1);
    if (host.includes(':')) return undefined; // bare IPv6 needs brackets
  }
  if (!/^\d+$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 0 || port > 65535) return undefined;
  return { host, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * One canonical text per IP address: brackets and zone dropped, lower case,
 * IPv6 in its shortest form, IPv4-mapped IPv6 (`::ffff:127.0.0.1`,
 * `::ffff:7f00:1`) as the IPv4 address it maps. Undefined for a non-IP.
 */
export function canonicalIp(address: string): string | undefined {
  let a = address.trim().toLowerCase();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  const kind = isIP(a);
  if (kind === 4) return a.split('.').map((o) => String(Number(o))).join('.');
  if (kind !== 6) return undefined;
  // The URL parser canonicalises IPv6 (and turns mapped dotted quads into hex words).
  let v6: string;
  try {
    v6 = new URL(`http://[${a}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return v6;
}

/** True for an IP address (canonical or not) that only this machine can reach: 127.0.0.0/8, ::1 and their mapped forms. */
export function isLoopbackIp(address: string): boolean {
  const ip = canonicalIp(address);
  if (ip === undefined) return false;
  return ip === '::1' || /^127\.\d+\.\d+\.\d+$/.test(ip);
}

/** True for the unspecified addresses (0.0.0.0, ::): "every address of this host". */
export function isUnspecifiedIp(address: string): boolean {
  const ip = canonicalIp(address);
  return ip === '0.0.0.0' || ip === '::';
}

/**
 * True for hosts only this machine can reach, without a DNS look-up:
 * loopback IPs and the `localhost` names (RFC 6761). Any other name is not
 * loopback here (`127.example.com` is a public name); resolve it first with
 * `resolveEndpoint` when it matters.
 */
export function isLoopback(host: string): boolean {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  return isLoopbackIp(h);
}
