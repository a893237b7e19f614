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

/** True for addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || h.startsWith('127.') || h === '::ffff:127.0.0.1';
}
