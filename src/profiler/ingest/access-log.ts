import { LineError, type Observation } from './observation.js';

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

/** Reads a `"…"` field starting at `i` (which must be a quote); handles `\"` and `\\`. */
function quoted(line: string, i: number): [string, number] {
  if (line.charCodeAt(i) !== 34) throw new LineError('expected_quote');
  let j = i + 1;
  let hasEscape = false;
  for (;;) {
    const c = line.charCodeAt(j);
    if (Number.isNaN(c)) throw new LineError('unterminated_quote');
    if (c === 92) { hasEscape = true; j += 2; continue; }
    if (c === 34) break;
    j++;
  }
  const raw = line.slice(i + 1, j);
  return [hasEscape ? raw.replace(/\\(.)/g, '$1') : raw, j + 1];
}

const METHOD = /^[A-Z]{3,10}$/;

/**
 * Common and Combined Log Format (Apache and nginx defaults):
 * `host ident user [time] "request" status bytes ["referer" "user-agent"]`.
 * Hand-rolled rather than one big regex: it is the hot loop of multi-GB
 * imports. IPv6 hosts, `-` sizes, escaped quotes and time zones are handled;
 * anything else throws a LineError with a reason.
 */
export function parseAccessLogLine(line: string): Observation {
  const sp1 = line.indexOf(' ');
  if (sp1 <= 0) throw new LineError('no_fields');
  const host = line.slice(0, sp1);
  const lb = line.indexOf('[', sp1);
  const rb = lb < 0 ? -1 : line.indexOf(']', lb);
  if (lb < 0 || rb < 0) throw new LineError('no_time');
  const ts = parseLogTime(line.slice(lb + 1, rb));
  let i = rb + 2;
  const [request, afterReq] = quoted(line, i);
  const parts = request.split(' ');
  if (parts.length < 2 || !METHOD.test(parts[0]!) || !parts[1]!.startsWith('/')) throw new LineError('bad_request_line');
  i = afterReq + 1;
  const sp = line.indexOf(' ', i);
  const status = Number(line.slice(i, sp < 0 ? undefined : sp));
  if (!Number.isInteger(status) || status < 100 || status > 599) throw new LineError('bad_status');
  let resBytes = 0;
  let ua: string | undefined;
  if (sp >= 0) {
    const sp2 = line.indexOf(' ', sp + 1);
    const bytesText = line.slice(sp + 1, sp2 < 0 ? undefined : sp2);
    if (bytesText !== '-') {
      resBytes = Number(bytesText);
      if (!Number.isFinite(resBytes) || resBytes < 0) throw new LineError('bad_size');
    }
    if (sp2 >= 0 && line.charCodeAt(sp2 + 1) === 34) {
      const [, afterRef] = quoted(line, sp2 + 1);
      if (line.charCodeAt(afterRef + 1) === 34) ua = quoted(line, afterRef + 1)[0];
    }
  }
  const obs: Observation = { ts, method: parts[0]!, target: parts[1]!, status, resBytes, client: host };
  if (ua && ua !== '-') obs.userAgent = ua;
  return obs;
}
