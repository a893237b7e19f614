import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Contract, WindowDocument } from '../../common/contracts/index.js';
import { ShadowtwinError } from '../../common/errors.js';
import { DocumentStore, type StoredDocument, type VersionedDocument } from './document-store.js';
import { EventStore, type EventInput, type StoredEvent } from './event-store.js';
import { migrate, SCHEMA_VERSION } from './migrations.js';
import { retentionPolicy, type RetentionPolicy } from './retention-policy.js';
import { storeFailure } from './store-failure.js';
import { acquireStoreLock, releaseStoreLock } from './store-lock.js';
import { StorePruner, type PruneResult } from './store-pruner.js';
import { WindowStore, type AppendedWindows, type PodInfo, type RatePoint, type Resolution, type WindowBatch, type WindowQuery } from './window-store.js';

export const STORE_FILE = 'controller.db';
export const STORE_OWNER_FILE = 'controller.db.owner';

export interface ControllerStoreOptions {
  /** The data directory (`--data`); created when missing. The database is `<dataDir>/controller.db`. */
  dataDir: string;
  /**
   * `full` (default): every commit is fsynced before the call returns, so an
   * acknowledged batch survives kill -9, an OS crash and power loss.
   * `normal`: in WAL mode a commit is written to the WAL (the OS has it) but
   * fsynced only at checkpoints: still nothing acknowledged is lost when the
   * process is killed (kill -9, OOM: the kernel's page cache keeps the
   * writes), but the last commits can be lost on power loss or an OS crash.
   * The bench measures what each costs.
   */
  synchronous?: 'full' | 'normal';
  /** How long a statement waits on a lock held by this process's own other work (ms); another process never gets the lock. */
  busyTimeoutMs?: number;
  /** A cap on the database's size (bytes): beyond it writes fail with ST_ERR_STORE_UNWRITABLE, as on a full disk. */
  maxBytes?: number;
  retention?: Partial<RetentionPolicy>;
  /** Largest window accepted, as JSON (default 4 MiB). */
  maxWindowBytes?: number;
  /** Largest document or event payload accepted, as JSON (default 16 MiB). */
  maxDocumentBytes?: number;
  /** The store's clock (received times, default event times, which resolution a read uses). */
  now?: () => number;
}

export type StoreHealth =
  | { ok: true; file: string }
  | { ok: false; file: string; code: string; message: string; since: number };

/**
 * The controller's durable state in one SQLite file (WAL): windows and their
 * rollups, pods, events, and versioned documents (models, forecasts, loop
 * state, run reports, proposals, decisions). One controller per data
 * directory (an exclusive lock). Every write is one transaction and returns
 * only after its commit, so whatever a caller acknowledges after a call
 * returns is on disk. Failures are ShadowtwinErrors (ST_ERR_STORE_*), and the
 * last write's outcome is `health()`.
 */
export class ControllerStore {
  readonly file: string;
  readonly retention: RetentionPolicy;
  /** The schema version found at open (0: a new database). */
  readonly openedAtVersion: number;
  private readonly db: Database.Database;
  private readonly ownerFile: string;
  private readonly clock: () => number;
  private readonly windowStore: WindowStore;
  private readonly eventStore: EventStore;
  private readonly documentStore: DocumentStore;
  private readonly pruner: StorePruner;
  private state: StoreHealth;
  private closed = false;

  private constructor(db: Database.Database, file: string, ownerFile: string, openedAtVersion: number, retention: RetentionPolicy, options: ControllerStoreOptions) {
    this.db = db;
    this.file = file;
    this.ownerFile = ownerFile;
    this.openedAtVersion = openedAtVersion;
    this.retention = retention;
    this.clock = options.now ?? Date.now;
    this.windowStore = new WindowStore(db, retention, options.maxWindowBytes ?? 4 * 1024 * 1024);
    this.eventStore = new EventStore(db, options.maxDocumentBytes ?? 16 * 1024 * 1024);
    this.documentStore = new DocumentStore(db, options.maxDocumentBytes ?? 16 * 1024 * 1024);
    this.pruner = new StorePruner(db, retention);
    this.state = { ok: true, file };
  }

  /** Opens (creating, migrating) `<dataDir>/controller.db` and takes the data directory's lock. */
  static open(options: ControllerStoreOptions): ControllerStore {
    const retention = retentionPolicy(options.retention);
    const file = join(options.dataDir, STORE_FILE);
    const ownerFile = join(options.dataDir, STORE_OWNER_FILE);
    try {
      mkdirSync(options.dataDir, { recursive: true });
    } catch (cause) {
      throw new ShadowtwinError('ST_ERR_STORE_UNWRITABLE', `cannot create the data directory ${options.dataDir}: ${(cause as Error).message}; choose a writable --data directory`, { cause });
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(file);
      acquireStoreLock(db, options.dataDir, ownerFile, file);
      db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      db.pragma('foreign_keys = ON');
      // The WAL is checkpointed every 1,000 pages (SQLite's default); after a large transaction its file is cut back to 64 MiB.
      db.pragma('journal_size_limit = 67108864');
      db.pragma(`busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMs ?? 5_000))}`);
      if (options.maxBytes !== undefined) {
        const pageSize = db.pragma('page_size', { simple: true }) as number;
        db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxBytes / pageSize))}`);
      }
      const found = migrate(db, file);
      return new ControllerStore(db, file, ownerFile, found, retention, options);
    } catch (err) {
      db?.close();
      throw storeFailure(err, `opening the controller store`, file);
    }
  }

  /** The schema version this shadowtwin writes. */
  static readonly schemaVersion = SCHEMA_VERSION;

  /**
   * Stores a batch of windows (validated, all or nothing); returns after the
   * commit. Given `{ windows, sender, batchId }`, a batch id committed before
   * is a duplicate: nothing is stored again (`duplicate: true`, ack it).
   */
  appendWindows(batch: readonly unknown[] | WindowBatch): AppendedWindows {
    const b: WindowBatch = Array.isArray(batch) ? { windows: batch } : batch as WindowBatch;
    return this.write(`storing ${b.windows?.length} windows`, () => this.windowStore.append(b, this.clock()));
  }

  /**
   * Group commit for a telemetry receiver: many sidecars' batches in one
   * transaction (one fsync). Each batch is validated alone: the result says,
   * per batch in order, what was stored (ack it) or the ShadowtwinError that
   * refused it (tell that sidecar). Returns after the commit; if the commit
   * fails it throws and none is stored.
   */
  appendWindowBatches(batches: readonly WindowBatch[]): Array<AppendedWindows | ShadowtwinError> {
    return this.write(`storing ${batches.length} window batches`, () => this.windowStore.appendBatches(batches, this.clock()));
  }

  services(): string[] {
    return this.read('listing services', () => this.windowStore.services());
  }

  pods(service?: string): PodInfo[] {
    return this.read('listing pods', () => this.windowStore.pods(service));
  }

  /** Requests per second of a service per step (role primary by default), at the resolution the range needs. */
  rateSeries(service: string, q: WindowQuery & { stepMs?: number }): { resolution: Resolution; stepMs: number; points: RatePoint[] } {
    return this.read(`reading the rate series of ${service}`, () => this.windowStore.rateSeries(service, q, this.clock()));
  }

  /** A service's windows over [from, to) merged into one (exact), or undefined when there are none. */
  mergedWindow(service: string, q: WindowQuery): WindowDocument | undefined {
    return this.read(`merging the windows of ${service}`, () => this.windowStore.merged(service, q, this.clock()));
  }

  /** Raw windows as received, oldest first (within raw retention). */
  rawWindows(service: string, q: WindowQuery & { pod?: string; limit?: number }): WindowDocument[] {
    return this.read(`reading the windows of ${service}`, () => this.windowStore.raw(service, q));
  }

  resolutionFor(from: number): Resolution {
    return this.windowStore.resolutionFor(from, this.clock());
  }

  /** Stores events in one transaction; returns their ids after the commit. */
  appendEvents(events: readonly EventInput[]): number[] {
    return this.write(`storing ${events.length} events`, () => this.eventStore.append(events, this.clock()));
  }

  appendEvent(event: EventInput): number {
    return this.appendEvents([event])[0]!;
  }

  eventsSince(afterId: number, limit?: number, filter?: { service?: string; kind?: string }): StoredEvent[] {
    return this.read('reading events', () => this.eventStore.since(afterId, limit, filter));
  }

  lastEventId(): number {
    return this.read('reading events', () => this.eventStore.lastId());
  }

  /** Stores (replaces) the document of its kind under `key`, validated by `contract` when given. */
  putDocument<T extends VersionedDocument>(key: string, doc: T, contract?: Contract<T>): void {
    this.write(`storing ${String(doc?.kind)} ${JSON.stringify(key)}`, () => this.documentStore.put(key, doc, this.clock(), contract));
  }

  getDocument<T>(kind: string, key: string, contract?: Contract<T>): StoredDocument<T> | undefined {
    return this.read(`reading ${kind} ${JSON.stringify(key)}`, () => this.documentStore.get(kind, key, contract));
  }

  listDocuments<T>(kind: string, limit?: number, contract?: Contract<T>): Array<StoredDocument<T>> {
    return this.read(`listing ${kind} documents`, () => this.documentStore.list(kind, limit, contract));
  }

  deleteDocument(kind: string, key: string): boolean {
    return this.write(`deleting ${kind} ${JSON.stringify(key)}`, () => this.documentStore.delete(kind, key));
  }

  /**
   * One bounded step of retention: rollups first, then at most
   * `retention.batchRows` deletions per table, rollup merging for at most
   * `budgetMs`. Call it on a timer, and again (after yielding) while `more`.
   */
  prune(now = this.clock(), budgetMs = 50): PruneResult {
    return this.write('enforcing retention', () => this.pruner.prune(now, budgetMs));
  }

  /** ok, or the last failed write's error until a write succeeds again (for /healthz). */
  health(): StoreHealth {
    return this.state;
  }

  /** The database's size in bytes (pages in use and free; the WAL apart) and rows per table. */
  stats(): { bytes: number; freeBytes: number; rows: Record<string, number> } {
    return this.read('reading store statistics', () => {
      const pageSize = this.db.pragma('page_size', { simple: true }) as number;
      const pages = this.db.pragma('page_count', { simple: true }) as number;
      const free = this.db.pragma('freelist_count', { simple: true }) as number;
      const rows: Record<string, number> = {};
      for (const t of ['windows', 'rollups', 'pods', 'events', 'documents', 'batches']) rows[t] = (this.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
      return { bytes: pages * pageSize, freeBytes: free * pageSize, rows };
    });
  }

  /** Checkpoints the WAL into the database, closes it and releases the lock. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.close();
    } finally {
      releaseStoreLock(this.ownerFile);
    }
  }

  private write<T>(doing: string, fn: () => T): T {
    this.assertOpen(doing);
    try {
      const out = fn();
      if (!this.state.ok) this.state = { ok: true, file: this.file };
      return out;
    } catch (err) {
      throw this.failed(err, doing);
    }
  }

  private read<T>(doing: string, fn: () => T): T {
    this.assertOpen(doing);
    try {
      return fn();
    } catch (err) {
      throw this.failed(err, doing);
    }
  }

  /** Maps the error; failures of the database itself (not of the input) turn health to error. */
  private failed(err: unknown, doing: string): ShadowtwinError {
    const e = storeFailure(err, doing, this.file);
    if (e.code === 'ST_ERR_STORE_UNWRITABLE' || e.code === 'ST_ERR_STORE_CORRUPT' || e.code === 'ST_ERR_STORE_LOCKED' || (e.code === 'ST_ERR_INTERNAL' && e !== err)) {
      this.state = { ok: false, file: this.file, code: e.code, message: e.message, since: this.clock() };
    }
    return e;
  }

  private assertOpen(doing: string): void {
    if (this.closed) throw new ShadowtwinError('ST_ERR_INTERNAL', `${doing}: the controller store ${this.file} is closed`);
  }
}
