import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { ShadowtwinError } from './errors.js';
import type { CaptureHeader, RequestRecord } from './request-record.js';

/**
 * What a reader skipped, by reason, with the first few line numbers (the
 * "bad input loses nothing" report): the first `maxExamples` skips, and the
 * first `maxExamples` of each reason, so a rare reason is not crowded out
 * by a common one (reasons are a small fixed set: memory stays bounded).
 */
export class SkipReport {
  total = 0;
  readonly byReason: Record<string, number> = {};
  readonly examples: Array<{ line: number; reason: string; text: string }> = [];
  /** What went wrong with the input as a whole (a truncated gzip), for the user to see. */
  readonly warnings: string[] = [];
  private readonly maxExamples: number;

  constructor(maxExamples = 10) {
    this.maxExamples = maxExamples;
  }

  skip(line: number, reason: string, text: string): void {
    this.total++;
    const n = (this.byReason[reason] ?? 0) + 1;
    this.byReason[reason] = n;
    if (this.examples.length < this.maxExamples || n <= this.maxExamples) this.examples.push({ line, reason, text: text.slice(0, 200) });
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  toJSON(): { total: number; byReason: Record<string, number>; examples: Array<{ line: number; reason: string; text: string }>; warnings?: string[] } {
    return { total: this.total, byReason: { ...this.byReason }, examples: [...this.examples], ...(this.warnings.length ? { warnings: [...this.warnings] } : {}) };
  }
}

/**
 * How a reader reports an input that ends early (a truncated or corrupt
 * gzip): the lines before the damage are kept, the cut-off last line is
 * skipped as `truncated` and a warning names the file. Without a report the
 * read fails with ST_ERR_INPUT_UNREADABLE instead: never a silent loss.
 */
export function salvageInto(skips: SkipReport): (e: InputCutOff) => void {
  return (e) => {
    if (e.partial !== undefined) skips.skip(e.lines + 1, 'truncated', e.partial);
    skips.warn(e.message);
  };
}

/** An input that ended early: after `lines` whole lines, with `partial` the text of the cut-off line, if any. */
export interface InputCutOff {
  file: string;
  lines: number;
  partial?: string;
  message: string;
}

/** Lines of a text file, gunzipped when it is gzip (by magic bytes, not name). */
export async function* readLines(file: string, onCutOff?: (e: InputCutOff) => void): AsyncGenerator<string> {
  for await (const batch of readLineBatches(file, onCutOff)) yield* batch;
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
 * it wait for the next chunk. `\r\n` endings are handled, and a UTF-8
 * byte-order mark at the start is dropped (it would hide the first line's
 * content, e.g. a capture header). A gzip that ends early (truncated, or
 * corrupt past some point) yields the lines before the damage and reports
 * through `onCutOff` (see `salvageInto`); without it, that is an
 * ST_ERR_INPUT_UNREADABLE.
 */
export async function* readLineBatches(file: string, onCutOff?: (e: InputCutOff) => void): AsyncGenerator<string[]> {
  let rest: Buffer | undefined;
  let lines = 0;
  let first = true;
  for await (let chunk of readChunks(file, (err) => {
    const partial = rest?.length ? decode(rest).replace(/\r$/, '') : undefined;
    rest = undefined;
    const e: InputCutOff = { file, lines, partial, message: `${file}: the gzip data ends early (${err.message}) after ${lines} complete lines${partial !== undefined ? ' and part of one more, which is skipped' : ''}; the file is truncated or corrupt, the lines before it are used` };
    if (!onCutOff) throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', e.message, { cause: err });
    onCutOff(e);
  })) {
    if (first) {
      // The first bytes of the input: a byte-order mark is dropped (a gunzip chunk may be shorter than it).
      if (chunk.length < 3 && !rest) { rest = Buffer.from(chunk); continue; }
      if (rest) { chunk = Buffer.concat([rest, chunk]); rest = undefined; }
      first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    const last = chunk.lastIndexOf(10);
    if (last < 0) { rest = rest ? Buffer.concat([rest, chunk]) : chunk; continue; }
    const out: string[] = [];
    let from = 0;
    if (rest) {
      // The line that straddles the chunk boundary, decoded on its own bytes.
      const nl = chunk.indexOf(10);
      pushLines(decode(Buffer.concat([rest, chunk.subarray(0, nl)])), out);
      from = nl + 1;
    }
    if (last >= from) pushLines(decode(chunk.subarray(from, last)), out);
    // Copied: a view would pin the whole read chunk until the next one.
    rest = last + 1 < chunk.length ? Buffer.from(chunk.subarray(last + 1)) : undefined;
    lines += out.length;
    yield out;
  }
  if (rest?.length) {
    const out: string[] = [];
    pushLines(decode(rest), out);
    yield out;
  }
}

/**
 * The bytes of `file`, gunzipped when it is gzip (by magic bytes). A read
 * error is an ST_ERR_INPUT_UNREADABLE; a gzip error (data ends early or is
 * corrupt) ends the stream after calling `onGzipError`, which may throw.
 */
export async function* readChunks(file: string, onGzipError: (err: Error) => void): AsyncGenerator<Buffer> {
  const input = await openMaybeGzip(file);
  try {
    for await (const chunk of input) yield chunk as Buffer;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_')) { onGzipError(err as Error); return; }
    if (err instanceof ShadowtwinError) throw err;
    throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `cannot read ${file}: ${code || (err as Error).message}`, { cause: err });
  } finally {
    (input as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
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

export function validRecord(v: unknown): v is RequestRecord {
  const r = v as RequestRecord;
  return typeof r === 'object' && r !== null && typeof r.ts === 'number' && typeof r.method === 'string' && typeof r.path === 'string' && typeof r.status === 'number';
}

/**
 * Streams the records of a shadowtwin capture (NDJSON, optionally gzip).
 * Header lines (also those from rotated files concatenated together) are
 * recognised; corrupt lines are skipped and reported, never fatal, unless
 * most of the input is unparseable: then it is the wrong format and the
 * error says which format was expected. A gzip that ends early keeps the
 * records before the damage (a warning in `skips`). `at`, when given, is set
 * to the line number and text of each record before it is yielded;
 * `onHeader` sees each capture header (where identities came from).
 */
export async function* readCapture(file: string, skips = new SkipReport(), at?: { line: number; text: string }, onHeader?: (header: CaptureHeader) => void): AsyncGenerator<RequestRecord> {
  let n = 0;
  let good = 0;
  for await (const line of readLines(file, salvageInto(skips))) {
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
    if (at) { at.line = n; at.text = line; }
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
