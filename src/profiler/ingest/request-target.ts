import { LineError } from './observation.js';

/** Longest method kept: RFC 9110 sets no limit, but a 10 MB "method" is not one. */
const MAX_METHOD_LENGTH = 32;

/**
 * Whether s[from, to) is an RFC 9110 method token (`tchar`s: letters,
 * digits and ``!#$%&'*+-.^_`|~``). Methods are case-sensitive: `get` is a
 * method of its own, kept as logged; `M-SEARCH` and other extensions are
 * methods too.
 */
export function isMethodToken(s: string, from = 0, to = s.length): boolean {
  if (to <= from || to - from > MAX_METHOD_LENGTH) return false;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    // Letters and digits first (nearly every method), then the punctuation tchars.
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57)) continue;
    if (c === 45 || c === 95 || c === 46 || c === 33 || c === 35 || c === 36 || c === 37 || c === 38 || c === 39 || c === 42 || c === 43 || c === 94 || c === 96 || c === 124 || c === 126) continue;
    return false;
  }
  return true;
}

/** A control character (C0, DEL) or a space: never part of a request target on the wire. */
const UNSENDABLE = /[\u0000-\u0020\u007f]/;

/** `scheme://` at the start of an absolute-form target. */
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * The target of a request line as the model keeps it: origin-form
 * (`/path?query`). Absolute-form (`http://host/path?q`, logged by forward
 * proxies) becomes its path and query (`/` when it has no path); the
 * asterisk-form `*` (`OPTIONS *`) stays `*`. A target with a control
 * character or a space (`/r\r\nX-Smuggled: 1`) would be sent as a header
 * injection by the generator: it throws `bad_target`, as does any other
 * form (authority-form `CONNECT host:443`, a bare word).
 */
export function originTarget(target: string): string {
  if (target.charCodeAt(0) !== 47) {
    if (target === '*') return target;
    const scheme = ABSOLUTE.exec(target);
    if (!scheme) throw new LineError('bad_target');
    const from = scheme[0].length;
    // The authority ends at the first `/`, `?` or `#`.
    let end = from;
    while (end < target.length) {
      const c = target.charCodeAt(end);
      if (c === 47 || c === 63 || c === 35) break;
      end++;
    }
    const rest = target.slice(end);
    target = rest.charCodeAt(0) === 47 ? rest : '/' + rest;
  }
  if (UNSENDABLE.test(target)) throw new LineError('bad_target');
  return target;
}
