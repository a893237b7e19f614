import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { ShadowtwinError } from './errors.js';
import type { CaptureHeader, RequestRecord } from './request-record.js';

/** What a reader skipped, by reason, with the first few line numbers (the "bad input loses nothing" report). */
export class SkipReport {
  total = 0;
  readonly byReason: Record<string, number> = {};
  readonly examples: Array<{ line: number; reason: string; text: string }> = [];
  private readonly maxExamples: number;

  constructor(maxExamples = 10) {
    this.maxExamples = maxExamples;
  }

  skip(line: number, reason: string, text: string): void {
    this.total++;
    this.byReason[reason] = (this.byReason[reason] ?? 0) + 1;
    if (this.examples.length < this.maxExamples) this.examples.push({ line, reason, text: text.slice(0, 200) });
  }

  toJSON(): { total: number; byReason: Record<string, number>; examples: Array<{ line: number; reason: string; text: string }> } {
    return { total: this.total, byReason: { ...this.byReason }, examples: [...this.examples] };
  }
}

/** Lines of a text file, gunzipped when it is gzip (by magic bytes, not name). */
export async function* readLines(file: string): AsyncGenerator<string> {
  for await (const batch of readLineBatches(file)) yield* batch;
}

/**
 * Bytes as text: Latin-1 when they are all ASCII (the same characters,
 * decoded ~25% faster; access logs escape anything else), UTF-8 otherwise.
 */
function decode(bytes: Buffer): string {
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}

/** Splits `text` (whole lines, no trailing newline) into `out`, dropping `\r` of `\r\n` endings. */
function pushLines(text: string, out: string[]): void {
  const from = out.length;
  for (const line of text.split('\n')) out.push(line);
  // One scan for a carriage return per chunk instead of an endsWith per line.
  if (text.includes('\r')) for (let i = from; i < out.length; i++) if (out[i]!.endsWith('\r')) out[i] = out[i]!.slice(0, -1);
}

/**
 * Lines in batches (one per read chunk): one await per ~256 KiB instead of
 * per line, which matters for multi-GB imports. Chunks are cut at their last
 * newline byte before decoding, so a multi-byte UTF-8 character is never
 * split across two decodes (0x0A never occurs inside one); the bytes after
 * it wait for the next chunk. `\r\n` endings are handled.
 */
export async function* readLineBatches(file: string): AsyncGenerator<string[]> {
  const input = await openMaybeGzip(file);
  let rest: Buffer | undefined;
  for await (const raw of input) {
    const chunk = raw as Buffer;
    const last = chunk.lastIndexOf(10);
    if (last < 0) { rest = rest ? Buffer.concat([rest, chunk]) : chunk; continue; }
    const lines: string[] = [];
    let from = 0;
    if (rest) {
      // The line that straddles the chunk boundary, decoded on its own bytes.
      const first = chunk.indexOf(10);
      pushLines(decode(Buffer.concat([rest, chunk.subarray(0, first)])), lines);
      from = first + 1;
    }
    if (last >= from) pushLines(decode(chunk.subarray(from, last)), lines);
    // Copied: a view would pin the whole read chunk until the next one.
    rest = last + 1 < chunk.length ? Buffer.from(chunk.subarray(last + 1)) : undefined;
    yield lines;
  }
  if (rest?.length) {
    const lines: string[] = [];
    pushLines(decode(rest), lines);
    yield lines;
  }
}

async function openMaybeGzip(file: string): Promise<NodeJS.ReadableStream> {
  const head = await new Promise<Buffer>((resolve, reject) => {
    const s = createReadStream(file, { start: 0, end: 1 });
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c as Buffer));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', (err) => reject(new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err })));
  });
  const raw = createReadStream(file, { highWaterMark: 256 * 1024 });
  return head[0] === 0x1f && head[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
}

function validRecord(v: unknown): v is RequestRecord {
  const r = v as RequestRecord;
  return typeof r === 'object' && r !== null && typeof r.ts === 'number' && typeof r.method === 'string' && typeof r.path === 'string' && typeof r.status === 'number';
}

/**
 * Streams the records of a shadowtwin capture (NDJSON, optionally gzip).
 * Header lines (also those from rotated files concatenated together) are
 * recognised; corrupt lines are skipped and reported, never fatal, unless
 * most of the input is unparseable: then it is the wrong format and the
 * error says which format was expected.
 */
export async function* readCapture(file: string, skips = new SkipReport(), onHeader?: (header: CaptureHeader) => void): AsyncGenerator<RequestRecord> {
  let n = 0;
  let good = 0;
  for await (const line of readLines(file)) {
    n++;
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      skips.skip(n, 'invalid_json', line);
      checkMostlyBad(file, n, good, skips);
      continue;
    }
    if ((v as { shadowtwin?: unknown })?.shadowtwin === 'capture') { onHeader?.(v as CaptureHeader); continue; }
    if (!validRecord(v)) {
      skips.skip(n, 'missing_fields', line);
      checkMostlyBad(file, n, good, skips);
      continue;
    }
    if (!v.route) v.route = v.path;
    good++;
    yield v;
  }
  if (good === 0 && skips.total > 0) checkMostlyBad(file, n, good, skips, true);
}

/**
 * The one rule for "this is the wrong format": more than four unusable
 * entries per usable one (under 20% usable). Throws ST_ERR_INPUT_FORMAT
 * naming the expected format and showing the first bad entry.
 */
export function failIfMostlyUnusable(file: string, expected: string, entries: number, good: number, skips: SkipReport): void {
  if (skips.total <= good * 4) return;
  const ex = skips.examples[0];
  throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file} does not look like ${expected}: ${skips.total} of the first ${entries} entries are unusable${ex ? `, e.g. entry ${ex.line} (${ex.reason}): ${ex.text.slice(0, 100)}` : ''}; check --format or the file`, { details: skips.toJSON() });
}

const CAPTURE_FORMAT = 'a shadowtwin capture (NDJSON RequestRecords)';

function checkMostlyBad(file: string, lines: number, good: number, skips: SkipReport, final = false): void {
  if (final || lines >= 100) failIfMostlyUnusable(file, CAPTURE_FORMAT, lines, good, skips);
}

/** Reads a whole capture into memory (replay needs random access to the sequence). */
export async function loadCapture(file: string): Promise<{ records: RequestRecord[]; skips: SkipReport }> {
  const skips = new SkipReport();
  const records: RequestRecord[] = [];
  for await (const r of readCapture(file, skips)) records.push(r);
  records.sort((a, b) => a.ts - b.ts);
  return { records, skips };
}
