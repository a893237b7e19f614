import type Database from 'better-sqlite3';
import { ShadowtwinError } from '../../common/errors.js';

/** One schema step. `version` counts from 1; a step is applied once, in a transaction with the version bump. */
export interface Migration {
  version: number;
  describe: string;
  sql: string;
}

/**
 * The store's schema, as the steps that built it. Append only: a released
 * step is never edited (a database that ran it would never see the edit).
 * Window and rollup bodies are a WindowDocument's JSON, deflate-raw
 * compressed; `requests`/`errors` are copied out of it for series queries.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    describe: 'windows, rollups, pods, events, documents',
    sql: `
      CREATE TABLE windows (
        id INTEGER PRIMARY KEY,
        service TEXT NOT NULL, pod TEXT NOT NULL, role TEXT NOT NULL, run_id TEXT NOT NULL,
        start INTEGER NOT NULL, end INTEGER NOT NULL,
        requests INTEGER NOT NULL, errors INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        rolled INTEGER NOT NULL DEFAULT 0,
        body BLOB NOT NULL
      );
      CREATE INDEX windows_by_service ON windows (service, role, start);
      CREATE INDEX windows_by_start ON windows (start);
      CREATE INDEX windows_unrolled ON windows (start) WHERE rolled = 0;

      CREATE TABLE rollups (
        id INTEGER PRIMARY KEY,
        bucket_ms INTEGER NOT NULL,
        service TEXT NOT NULL, role TEXT NOT NULL, run_id TEXT NOT NULL,
        start INTEGER NOT NULL, end INTEGER NOT NULL,
        requests INTEGER NOT NULL, errors INTEGER NOT NULL,
        rolled INTEGER NOT NULL DEFAULT 0,
        body BLOB NOT NULL
      );
      CREATE INDEX rollups_by_service ON rollups (bucket_ms, service, role, start);
      CREATE INDEX rollups_unrolled ON rollups (bucket_ms, start) WHERE rolled = 0;

      CREATE TABLE pods (
        service TEXT NOT NULL, pod TEXT NOT NULL, role TEXT NOT NULL,
        first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, last_window_end INTEGER NOT NULL,
        PRIMARY KEY (service, pod, role)
      ) WITHOUT ROWID;

      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL, kind TEXT NOT NULL, service TEXT,
        payload TEXT NOT NULL
      );
      CREATE INDEX events_by_at ON events (at);

      CREATE TABLE documents (
        kind TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL,
        updated_at INTEGER NOT NULL, payload TEXT NOT NULL,
        PRIMARY KEY (kind, key)
      ) WITHOUT ROWID;
      CREATE INDEX documents_by_update ON documents (kind, updated_at);
    `,
  },
  {
    version: 2,
    describe: 'batch ids committed per sender, so a resent batch is stored once (across restarts too)',
    sql: `
      CREATE TABLE batches (
        sender TEXT NOT NULL, batch_id TEXT NOT NULL,
        received_at INTEGER NOT NULL, windows INTEGER NOT NULL,
        PRIMARY KEY (sender, batch_id)
      ) WITHOUT ROWID;
      CREATE INDEX batches_by_time ON batches (received_at);
    `,
  },
];

/** The schema version this shadowtwin writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Brings `db` to SCHEMA_VERSION (PRAGMA user_version holds the version),
 * each step in its own transaction, and returns the version it found. A
 * database from a newer shadowtwin is refused, never downgraded.
 */
export function migrate(db: Database.Database, file: string, migrations: readonly Migration[] = MIGRATIONS): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new ShadowtwinError('ST_ERR_INTERNAL', `store migrations must be numbered 1, 2, 3 … in order; step ${i} is version ${m.version}`);
  });
  const found = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations[migrations.length - 1]!.version;
  if (found > latest) {
    throw new ShadowtwinError('ST_ERR_STORE_VERSION',
      `${file} has schema version ${found}, written by a newer shadowtwin; this one knows versions up to ${latest}: upgrade shadowtwin, or point --data at another directory`);
  }
  for (const m of migrations) {
    if (m.version <= found) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return found;
}
