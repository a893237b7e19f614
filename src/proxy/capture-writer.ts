import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { constants as zlibConstants, gunzipSync, gzip } from 'node:zlib';
import { captureHeader, ShadowtwinError, type CaptureHeader, type CaptureKeys, type RequestRecord } from '../common/index.js';

const gzipAsync = promisify(gzip);

export interface CaptureWriterOptions {
  file: string;
  mode: 'meta' | 'full';
  rotateBytes: number;
  maxFiles: number;
  gzip: boolean;
  queueLimit: number;
  flushInterval: number;
  toolVersion: string;
  source?: string;
  /** Where identities were read from, written into the capture header. */
  keys?: CaptureKeys;
}

export type CaptureDropReason = 'queue_full' | 'write_error' | 'short_write' | 'closed';

export interface CaptureWriterHooks {
  written(records: number, bytes: number): void;
  dropped(reason: CaptureDropReason, records: number): void;
  error(err: Error): void;
  /** A file left by an earlier run in another mode (or not a capture) was moved aside to this name. */
  movedAside?(file: string, to: string, why: string): void;
}

/** A write the filesystem took only part of (full disk): the file was cut back to its last complete record. */
export class ShortWriteError extends Error {
  override readonly name = 'ShortWriteError';
  readonly code = 'ENOSPC';
  constructor(readonly wrote: number, readonly of: number, readonly keptRecords: number, readonly keptBytes: number, readonly droppedRecords: number, cause?: unknown) {
    const why = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'partial write';
    super(`short write on the capture file (${wrote} of ${of} bytes, ${why}; disk full?): ${droppedRecords} record(s) dropped, ${keptRecords} kept, the file cut back to its last complete line`, cause === undefined ? undefined : { cause });
  }
}

/** `capture.ndjson` → `capture.ndjson.1`; `capture.ndjson.gz` → `capture.ndjson.1.gz`. */
export function rotatedName(file: string, index: number): string {
  return file.endsWith('.gz') ? `${file.slice(0, -3)}.${index}.gz` : `${file}.${index}`;
}

/** The first line of a file, when it is a shadowtwin capture header (gzip or not). */
async function readCaptureHead(file: string, size: number): Promise<{ gz: boolean; header?: Partial<CaptureHeader>; why?: string }> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(size, 64 * 1024));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    let head = buf.subarray(0, bytesRead);
    const gz = head[0] === 0x1f && head[1] === 0x8b;
    if (gz) {
      try {
        head = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      } catch {
        return { gz, why: 'its first gzip member does not decompress' };
      }
    }
    const nl = head.indexOf(10);
    let header: Partial<CaptureHeader> | undefined;
    try {
      header = JSON.parse(head.subarray(0, nl < 0 ? head.length : nl).toString('utf8')) as Partial<CaptureHeader>;
    } catch {
      header = undefined;
    }
    if (header?.shadowtwin !== 'capture') return { gz, why: 'it does not start with a capture header' };
    return { gz, header };
  } finally {
    await fh.close();
  }
}

function notOurs(file: string, why: string | undefined): ShadowtwinError {
  return new ShadowtwinError('ST_ERR_CAPTURE_FILE_NOT_OURS', `${file} exists and is not a shadowtwin capture (${why ?? 'unknown content'}); it was left untouched: choose another --capture path, or move or delete that file yourself`);
}

/**
 * Writes request records as NDJSON off the request path: `add` only pushes to
 * a bounded queue; a timer serialises and appends batches, one write at a
 * time. When the queue is full (disk slow or full) records are dropped and
 * counted; traffic never waits. With gzip each batch is compressed on the
 * libuv thread pool and appended as a gzip member (a valid multi-member file).
 * Every file, including each rotated one, starts with the capture header line.
 */
export class CaptureWriter {
  private readonly opts: CaptureWriterOptions;
  private readonly hooks: CaptureWriterHooks;
  private queue: RequestRecord[] = [];
  private handle: FileHandle | undefined;
  private fileBytes = 0;
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failed = false;
  private closed = false;
  /** Rotation found a file that is not ours at a rotated name (reported once). */
  private rotationRefused = false;

  constructor(opts: CaptureWriterOptions, hooks: CaptureWriterHooks) {
    this.opts = opts;
    this.hooks = hooks;
  }

  /** Opens the file; a path that cannot be written is a startup error, not a silent drop. */
  async start(): Promise<void> {
    try {
      mkdirSync(dirname(resolve(this.opts.file)), { recursive: true });
      await this.openFile();
    } catch (cause) {
      if (cause instanceof ShadowtwinError) throw cause;
      throw new ShadowtwinError('ST_ERR_CAPTURE_WRITE_FAILED', `cannot open capture file ${this.opts.file}: ${(cause as Error).message}; check the directory exists and is writable`, { cause });
    }
    this.timer = setInterval(() => void this.flush(), this.opts.flushInterval);
    this.timer.unref();
  }

  add(record: RequestRecord): void {
    if (this.closed) {
      this.hooks.dropped('closed', 1);
      return;
    }
    if (this.queue.length >= this.opts.queueLimit) {
      this.hooks.dropped('queue_full', 1);
      return;
    }
    this.queue.push(record);
  }

  get pending(): number {
    return this.queue.length;
  }

  private async openFile(): Promise<void> {
    const existing = await stat(this.opts.file).catch(() => undefined);
    if (existing && existing.size > 0) {
      // Never mix: a file from a run in another mode (or compression, or not a capture at all) is moved aside.
      const why = await this.incompatible(existing.size);
      if (why) {
        await this.shift();
        this.hooks.movedAside?.(this.opts.file, rotatedName(this.opts.file, 1), why);
      }
    }
    this.handle = await open(this.opts.file, 'a+');
    const st = await this.handle.stat();
    this.fileBytes = st.size;
    if (st.size === 0) {
      await this.append(JSON.stringify(captureHeader(this.opts.mode, this.opts.source, this.opts.toolVersion, this.opts.keys)) + '\n', 0);
    } else if (!this.opts.gzip) {
      await this.cutToLastLine(st.size); // an earlier run may have died mid-line
    }
  }

  /** Why the existing file cannot be appended to (undefined: it can); refuses a file that is not a capture. */
  private async incompatible(size: number): Promise<string | undefined> {
    const head = await readCaptureHead(this.opts.file, size);
    if (!head.header) throw notOurs(this.opts.file, head.why);
    const header = head.header;
    if (head.gz !== this.opts.gzip) return head.gz ? 'it is gzip-compressed and capture.gzip is off' : 'it is not gzip-compressed and capture.gzip is on';
    if (header.version !== captureHeader(this.opts.mode, undefined, '').version) return `it is capture format version ${String(header.version)}`;
    if (header.mode !== this.opts.mode) return `it was written in ${String(header.mode)} mode and this run captures in ${this.opts.mode} mode`;
    return undefined;
  }

  /** Truncates a plain file back to just after its last newline. */
  private async cutToLastLine(size: number): Promise<void> {
    const fh = this.handle!;
    const tail = Buffer.alloc(Math.min(size, 64 * 1024));
    const { bytesRead } = await fh.read(tail, 0, tail.length, size - tail.length);
    if (bytesRead > 0 && tail[bytesRead - 1] === 10) return;
    const nl = tail.subarray(0, bytesRead).lastIndexOf(10);
    const keep = nl < 0 ? Math.max(0, size - bytesRead) : size - bytesRead + nl + 1;
    await fh.truncate(keep);
    this.fileBytes = keep;
  }

  /**
   * Appends the text, looping over partial writes. When the filesystem
   * stops taking bytes (full disk) the file is cut back to the last complete
   * record, so it stays line-aligned, and a ShortWriteError says how many of
   * the `records` lines were kept.
   */
  private async append(text: string, records: number): Promise<{ bytes: number; kept: number }> {
    const data = this.opts.gzip ? await gzipAsync(text) : Buffer.from(text);
    const start = this.fileBytes;
    let off = 0;
    let cause: unknown;
    while (off < data.length) {
      let n = 0;
      try {
        n = (await this.handle!.write(data, off, data.length - off)).bytesWritten;
      } catch (err) {
        cause = err;
      }
      if (n <= 0) break;
      off += n;
    }
    if (off === data.length) {
      this.fileBytes += data.length;
      return { bytes: data.length, kept: records };
    }
    if (off === 0 && cause !== undefined && (cause as NodeJS.ErrnoException).code !== 'ENOSPC' && (cause as NodeJS.ErrnoException).code !== 'EDQUOT') throw cause;
    // Keep whole lines only (a gzip member is all or nothing).
    let keepBytes = 0;
    let kept = 0;
    if (!this.opts.gzip) {
      const lastNl = data.subarray(0, off).lastIndexOf(10);
      keepBytes = lastNl + 1;
      for (let i = 0; i < keepBytes; i++) if (data[i] === 10) kept++;
    }
    await this.handle!.truncate(start + keepBytes).catch(() => undefined);
    this.fileBytes = start + keepBytes;
    throw new ShortWriteError(off, data.length, kept, keepBytes, records - kept, cause);
  }

  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    try {
      await this.shift();
    } catch (err) {
      // A rotated name holds a file that is not ours: keep appending to the current file instead.
      if (!(err instanceof ShadowtwinError)) throw err;
      if (!this.rotationRefused) this.hooks.error(err);
      this.rotationRefused = true;
    }
    await this.openFile();
  }

  /**
   * file → file.1 → … → file.maxFiles (the oldest deleted). Every name it
   * would overwrite or delete must hold a capture (or nothing): a file that
   * is not ours is never moved or deleted (ST_ERR_CAPTURE_FILE_NOT_OURS).
   */
  private async shift(): Promise<void> {
    for (let i = 1; i <= this.opts.maxFiles; i++) {
      const name = rotatedName(this.opts.file, i);
      const st = await stat(name).catch(() => undefined);
      if (!st) continue;
      const head: { header?: unknown; why?: string } = st.isFile() ? await readCaptureHead(name, st.size) : { why: 'it is not a regular file' };
      if (!head.header && st.size > 0) throw notOurs(name, head.why ?? 'it is not a capture');
    }
    await rm(rotatedName(this.opts.file, this.opts.maxFiles), { force: true });
    for (let i = this.opts.maxFiles - 1; i >= 1; i--) {
      await rename(rotatedName(this.opts.file, i), rotatedName(this.opts.file, i + 1)).catch(() => undefined);
    }
    if (this.opts.maxFiles >= 1) await rename(this.opts.file, rotatedName(this.opts.file, 1));
    else await rm(this.opts.file, { force: true });
  }

  /** Writes everything queued so far; concurrent calls share one write. */
  flush(): Promise<void> {
    if (this.writing) return this.writing.then(() => (this.queue.length ? this.flush() : undefined));
    if (this.queue.length === 0) return Promise.resolve();
    const batch = this.queue;
    this.queue = [];
    this.writing = this.writeBatch(batch).finally(() => { this.writing = undefined; });
    return this.writing;
  }

  private async writeBatch(batch: RequestRecord[]): Promise<void> {
    let text = '';
    for (const r of batch) text += JSON.stringify(r) + '\n';
    try {
      if (!this.handle) {
        try {
          await this.openFile();
        } catch (err) {
          // Not even the header fitted: the whole batch is a write error.
          throw err instanceof ShortWriteError ? new Error(err.message, { cause: err }) : err;
        }
      }
      await this.append(text, batch.length);
      this.failed = false;
      this.hooks.written(batch.length, Buffer.byteLength(text));
      if (this.fileBytes >= this.opts.rotateBytes) await this.rotate();
    } catch (err) {
      if (err instanceof ShortWriteError) {
        // The file is intact (line-aligned) and stays open: space may come back.
        if (err.keptRecords > 0) this.hooks.written(err.keptRecords, err.keptBytes);
        this.hooks.dropped('short_write', err.droppedRecords);
        if (!this.failed) this.hooks.error(err);
        this.failed = true;
        return;
      }
      this.hooks.dropped('write_error', batch.length);
      // Report the first failure of a streak, not one per batch.
      if (!this.failed) this.hooks.error(err as Error);
      this.failed = true;
      await this.handle?.close().catch(() => undefined);
      this.handle = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
    this.closed = true;
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }
}
