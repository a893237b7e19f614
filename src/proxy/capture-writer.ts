import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { captureHeader, ShadowtwinError, type CaptureKeys, type RequestRecord } from '../common/index.js';

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

export interface CaptureWriterHooks {
  written(records: number, bytes: number): void;
  dropped(reason: 'queue_full' | 'write_error', records: number): void;
  error(err: Error): void;
}

/** `capture.ndjson` → `capture.ndjson.1`; `capture.ndjson.gz` → `capture.ndjson.1.gz`. */
export function rotatedName(file: string, index: number): string {
  return file.endsWith('.gz') ? `${file.slice(0, -3)}.${index}.gz` : `${file}.${index}`;
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
      throw new ShadowtwinError('ST_ERR_CAPTURE_WRITE_FAILED', `cannot open capture file ${this.opts.file}: ${(cause as Error).message}; check the directory exists and is writable`, { cause });
    }
    this.timer = setInterval(() => void this.flush(), this.opts.flushInterval);
    this.timer.unref();
  }

  add(record: RequestRecord): void {
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
    this.handle = await open(this.opts.file, 'a');
    const st = await stat(this.opts.file);
    this.fileBytes = st.size;
    if (st.size === 0) {
      await this.append(JSON.stringify(captureHeader(this.opts.mode, this.opts.source, this.opts.toolVersion, this.opts.keys)) + '\n');
    }
  }

  private async append(text: string): Promise<number> {
    const data = this.opts.gzip ? await gzipAsync(text) : Buffer.from(text);
    await this.handle!.write(data);
    this.fileBytes += data.length;
    return data.length;
  }

  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    await rm(rotatedName(this.opts.file, this.opts.maxFiles), { force: true });
    for (let i = this.opts.maxFiles - 1; i >= 1; i--) {
      await rename(rotatedName(this.opts.file, i), rotatedName(this.opts.file, i + 1)).catch(() => undefined);
    }
    if (this.opts.maxFiles >= 1) await rename(this.opts.file, rotatedName(this.opts.file, 1));
    await this.openFile();
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
      if (!this.handle) await this.openFile();
      await this.append(text);
      this.failed = false;
      this.hooks.written(batch.length, Buffer.byteLength(text));
      if (this.fileBytes >= this.opts.rotateBytes) await this.rotate();
    } catch (err) {
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
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }
}
