import { readChunks, type InputCutOff } from '../../common/capture-reader.js';
import { StringDecoder } from 'node:string_decoder';
import { ShadowtwinError } from '../../common/errors.js';
import { LineError, type Observation } from './observation.js';
import { isMethodToken, originTarget } from './request-target.js';

/** GoReplay's payload separator. */
export const GOR_SEPARATOR = '\n\uD83D\uDC35\uD83D\uDE48\uD83D\uDE49\n';

/**
 * One GoReplay payload: `TYPE ID TIMESTAMP_NS [LATENCY]\n` then the raw HTTP
 * message. Only requests (type 1) become observations; responses (2) and
 * replayed responses (3) return undefined.
 */
export function parseGorPayload(payload: string): Observation | undefined {
  const nl = payload.indexOf('\n');
  if (nl < 0) throw new LineError('bad_gor_header');
  const meta = payload.slice(0, nl).trim().split(' ');
  if (meta[0] !== '1') {
    if (meta[0] === '2' || meta[0] === '3') return undefined;
    throw new LineError('bad_gor_header');
  }
  const tsNs = Number(meta[2]);
  if (!Number.isFinite(tsNs)) throw new LineError('bad_time');
  const msg = payload.slice(nl + 1);
  const headEnd = msg.indexOf('\r\n\r\n') >= 0 ? msg.indexOf('\r\n\r\n') : msg.indexOf('\n\n');
  const head = headEnd >= 0 ? msg.slice(0, headEnd) : msg;
  const body = headEnd >= 0 ? msg.slice(headEnd + (msg.startsWith('\r\n', headEnd) ? 4 : 2)) : '';
  const lines = head.split(/\r?\n/);
  const [method, rawTarget] = lines[0]!.split(' ');
  if (!method || !isMethodToken(method) || !rawTarget) throw new LineError('bad_request_line');
  const target = originTarget(rawTarget);
  const obs: Observation = { ts: Math.round(tsNs / 1e6), method, target, status: 0, resBytes: 0, reqBytes: Buffer.byteLength(body, 'latin1') };
  for (const l of lines.slice(1)) {
    const c = l.indexOf(':');
    if (c <= 0) continue;
    const name = l.slice(0, c).trim().toLowerCase();
    const value = l.slice(c + 1).trim();
    if (name === 'user-agent') obs.userAgent = value;
    else if (name === 'content-type') obs.contentType = value.split(';')[0]!.trim();
    else if (name === 'x-forwarded-for') obs.client = value.split(',')[0]!.trim();
  }
  return obs;
}

/** Streams payloads of a .gor file (gzip by magic bytes), split on the separator; a gzip that ends early keeps what was read (see `readLineBatches`). */
export async function* readGorPayloads(file: string, onCutOff?: (e: InputCutOff) => void): AsyncGenerator<string> {
  let buf = '';
  let payloads = 0;
  // A decoder, not toString per chunk: a character (the separator is emoji) may straddle two chunks.
  const utf8 = new StringDecoder('utf8');
  for await (const chunk of readChunks(file, (err) => {
    const partial = buf.trim() ? buf : undefined;
    buf = '';
    const e: InputCutOff = { file, lines: payloads, partial, message: `${file}: the gzip data ends early (${err.message}) after ${payloads} complete payloads${partial !== undefined ? ' and part of one more, which is skipped' : ''}; the file is truncated or corrupt, the payloads before it are used` };
    if (!onCutOff) throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', e.message, { cause: err });
    onCutOff(e);
  })) {
    buf += utf8.write(chunk);
    let at = buf.indexOf(GOR_SEPARATOR);
    while (at >= 0) {
      payloads++;
      yield buf.slice(0, at);
      buf = buf.slice(at + GOR_SEPARATOR.length);
      at = buf.indexOf(GOR_SEPARATOR);
    }
  }
  buf += utf8.end();
  if (buf.trim()) yield buf;
}
