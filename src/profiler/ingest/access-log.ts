import { decimalAt } from '../../common/decimal-at.js';
import { flatCopy } from '../flat-copy.js';
import { LineError, type Observation } from './observation.js';
import { isMethodToken, originTarget } from './request-target.js';

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

let lastTimeText = '';
let lastTime = 0;

/** `10/Oct/2000:13:55:36 -0700` → epoch ms (memoised: logs repeat the same second). */
export function parseLogTime(text: string): number {
  if (text === lastTimeText) return lastTime;
  const m = /^(\d{1,2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*([+-])(\d{2}):?(\d{2})$/.exec(text);
  if (!m) throw new LineError('bad_time');
  const month = MONTHS[m[2]!];
  if (month === undefined) throw new LineError('bad_time');
  const utc = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0);
  const offset = (Number(m[9]) * 60 + Number(m[10])) * 60_000 * (m[8] === '-' ? -1 : 1);
  lastTimeText = text;
  lastTime = utc - offset;
  return lastTime;
}

/**
 * Whether line[from, from + text.length) equals text. A slice and `===`
 * (a native compare) beat both startsWith with a position and a
 * charCodeAt loop by 3–5× on V8's sliced strings.
 */
function sameAt(line: string, from: number, text: string): boolean {
  return line.slice(from, from + text.length) === text;
}

/**
 * The time field of `line` in [from, to) as epoch ms. Consecutive lines
 * usually share their second: compared in place against the last one, so
 * no substring is made for them.
 */
function timeAt(line: string, from: number, to: number): number {
  if (to - from === lastTimeText.length && sameAt(line, from, lastTimeText)) return lastTime;
  return parseLogTime(line.slice(from, to));
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

/** The method in line[from, to): a shared literal for the common ones (its hash is computed once, not per line). */
function methodAt(line: string, from: number, to: number): string {
  for (const m of METHODS) if (m.length === to - from && sameAt(line, from, m)) return m;
  return line.slice(from, to);
}

/**
 * User agents repeat: a line's UA is looked up in a small direct-mapped
 * cache (slot from its length and two characters, hit verified by a full
 * in-place compare) and the cached flat string is returned. That saves a
 * substring, an unescape scan and a hash of ~100 characters per line, and
 * the family lookup downstream hits a string whose hash V8 has cached.
 */
const UA_SLOTS = 256;
const uaCache: string[] = new Array<string>(UA_SLOTS).fill('');
/** What the cached UA's raw (still escaped) text was: the compare is on the line as written. */
const uaRaw: string[] = new Array<string>(UA_SLOTS).fill('');

function userAgentAt(line: string, from: number, to: number): string {
  const len = to - from;
  const slot = (len * 31 + line.charCodeAt(from + (len >> 1)) * 7 + line.charCodeAt(to - 2)) & (UA_SLOTS - 1);
  const raw = uaRaw[slot]!;
  if (raw.length === len && sameAt(line, from, raw)) return uaCache[slot]!;
  const text = flatCopy(line.slice(from, to));
  uaRaw[slot] = text;
  return (uaCache[slot] = unescape(text));
}

/** Index of the quote closing the field whose opening quote is at `i` (`\"` and `\\` skipped). */
function closingQuote(line: string, i: number): number {
  let j = i;
  for (;;) {
    // indexOf is vectorised; escaped quotes are rare, so check backslashes only before a hit.
    j = line.indexOf('"', j + 1);
    if (j < 0) throw new LineError('unterminated_quote');
    let backslashes = 0;
    while (line.charCodeAt(j - 1 - backslashes) === 92) backslashes++;
    if ((backslashes & 1) === 0) return j;
  }
}

function unescape(raw: string): string {
  return raw.includes('\\') ? raw.replace(/\\(.)/g, '$1') : raw;
}

/**
 * Common and Combined Log Format (Apache and nginx defaults):
 * `host ident user [time] "request" status bytes ["referer" "user-agent"]`.
 * Hand-rolled over char codes rather than one big regex or split(): it is
 * the hot loop of multi-GB imports (about 1 µs a line). IPv6 hosts, `-`
 * sizes, escaped quotes and time zones are handled, and any RFC 9110
 * method and target form (see `originTarget`); anything else throws a
 * LineError with a reason.
 */
export function parseAccessLogLine(line: string): Observation {
  const sp1 = line.indexOf(' ');
  if (sp1 <= 0) throw new LineError('no_fields');
  const lb = line.indexOf('[', sp1);
  const rb = lb < 0 ? -1 : line.indexOf(']', lb);
  if (lb < 0 || rb < 0) throw new LineError('no_time');
  const ts = timeAt(line, lb + 1, rb);
  const q0 = rb + 2;
  if (line.charCodeAt(q0) !== 34) throw new LineError('expected_quote');
  const q1 = closingQuote(line, q0);
  // Request line: METHOD SP target [SP protocol]
  const m1 = line.indexOf(' ', q0 + 1);
  if (m1 < 0 || m1 > q1 || !isMethodToken(line, q0 + 1, m1)) throw new LineError('bad_request_line');
  // The protocol is short: a backward char scan (lastIndexOf with a position was ~10% of the parser).
  let t1 = q1 - 1;
  while (t1 > m1 && line.charCodeAt(t1) !== 32) t1--;
  // No protocol (HTTP/0.9), or what follows the last space is not one: the rest is all target (and a space in it is `bad_target`).
  if (t1 <= m1 || !sameAt(line, t1 + 1, 'HTTP/')) t1 = q1;
  // Origin-form (`/path`), absolute-form (proxies), `*`; a control character or space throws `bad_target`.
  const target = originTarget(unescape(line.slice(m1 + 1, t1)));
  const i = q1 + 2;
  let sp = line.indexOf(' ', i);
  const status = decimalAt(line, i, sp < 0 ? line.length : sp);
  if (status < 100 || status > 599) throw new LineError('bad_status');
  let resBytes = 0;
  let ua: string | undefined;
  if (sp >= 0) {
    const sp2 = line.indexOf(' ', sp + 1);
    const end = sp2 < 0 ? line.length : sp2;
    if (!(end === sp + 2 && line.charCodeAt(sp + 1) === 45)) {
      resBytes = decimalAt(line, sp + 1, end);
      if (resBytes < 0) throw new LineError('bad_size');
    }
    if (sp2 >= 0 && line.charCodeAt(sp2 + 1) === 34) {
      const afterRef = closingQuote(line, sp2 + 1) + 1;
      if (line.charCodeAt(afterRef + 1) === 34) {
        const u1 = closingQuote(line, afterRef + 1);
        if (!(u1 === afterRef + 3 && line.charCodeAt(afterRef + 2) === 45) && u1 > afterRef + 2) ua = userAgentAt(line, afterRef + 2, u1);
      }
    }
    sp = sp2;
  }
  const obs: Observation = { ts, method: methodAt(line, q0 + 1, m1), target, status, resBytes, client: line.slice(0, sp1) };
  if (ua) obs.userAgent = ua;
  return obs;
}
