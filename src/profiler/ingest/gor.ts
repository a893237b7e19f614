import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { LineError, type Observation } from './observation.js';

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
  const [method, target] = lines[0]!.split(' ');
  if (!method || !/^[A-Z]{3,10}$/.test(method) || !target?.startsWith('/')) throw new LineError('bad_request_line');
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

/** Streams payloads of a .gor file (gzip by magic bytes), split on the separator. */
export async function* readGorPayloads(file: string): AsyncGenerator<string> {
  let raw = createReadStream(file);
  const first = await new Promise<Buffer>((resolve, reject) => {
    const s = createReadStream(file, { start: 0, end: 1 });
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c as Buffer));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
  const input: NodeJS.ReadableStream = first[0] === 0x1f && first[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
  let buf = '';
  for await (const chunk of input) {
    buf += (chunk as Buffer).toString('utf8');
    let at = buf.indexOf(GOR_SEPARATOR);
    while (at >= 0) {
      yield buf.slice(0, at);
      buf = buf.slice(at + GOR_SEPARATOR.length);
      at = buf.indexOf(GOR_SEPARATOR);
    }
  }
  if (buf.trim()) yield buf;
  raw = undefined as never;
}
