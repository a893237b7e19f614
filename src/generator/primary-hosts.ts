import { ShadowtwinError } from '../common/index.js';

const EXAMPLE = 'e.g. SHADOWTWIN_PRIMARY=http://10.0.0.5:8080,10.0.0.6:8080';

/**
 * The entries of SHADOWTWIN_PRIMARY: separated by commas and/or whitespace,
 * or a JSON array of strings. The "never the primary" check must not switch
 * itself off on a spelling it does not know, so anything else is an entry
 * of its own, and `primaryOrigin` refuses it.
 */
export function splitPrimaryList(text: string | undefined): string[] {
  if (text === undefined) return [];
  const t = text.trim();
  if (t.startsWith('[')) {
    let v: unknown;
    try { v = JSON.parse(t); } catch { v = undefined; }
    if (Array.isArray(v) && v.every((e) => typeof e === 'string')) return (v as string[]).map((e) => e.trim()).filter(Boolean);
    throw new ShadowtwinError('ST_ERR_CONFIG_INVALID', `SHADOWTWIN_PRIMARY looks like a JSON array but is not one of strings: ${JSON.stringify(text.slice(0, 200))}; ${EXAMPLE}`);
  }
  return t.split(/[\s,]+/).filter(Boolean);
}

/**
 * One primary host as an http(s) origin: a URL, or a bare `host:port`
 * (`[v6]:port`, or a host alone) meaning http. Throws ST_ERR_CONFIG_INVALID
 * (exit 2) with the fix for anything else: an unparseable primary fails closed.
 */
export function primaryOrigin(entry: string, from = 'SHADOWTWIN_PRIMARY'): string {
  const text = entry.trim();
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text) ? text : `http://${text}`;
  let u: URL | undefined;
  try { u = new URL(withScheme); } catch { u = undefined; }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname || u.username || u.password) {
    throw new ShadowtwinError('ST_ERR_CONFIG_INVALID', `${from}: ${JSON.stringify(entry)} is not a primary host (an http(s) URL or host:port); ${EXAMPLE} (commas or spaces between entries). Refusing to run: load must never reach a primary we cannot identify`);
  }
  return u.origin;
}
