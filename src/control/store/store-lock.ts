import { hostname } from 'node:os';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { ShadowtwinError } from '../../common/errors.js';

/** Who holds a data directory: written next to the database for the refusal message, never trusted as the lock itself. */
export interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

/**
 * The single-writer lock is SQLite's own: `locking_mode=EXCLUSIVE` set before
 * WAL is entered, then one exclusive transaction, keeps an exclusive POSIX
 * lock on controller.db for the connection's life. A second controller (another
 * process, or another connection in this one) gets SQLITE_BUSY at once (busy
 * timeout 0 here), and the kernel drops the lock when the holder exits, even
 * on kill -9: no stale pid file to judge, no pid reuse across containers to
 * fool it. (POSIX locks are unreliable on some network filesystems: keep
 * --data on a local disk.) In this mode SQLite keeps the WAL index in the
 * process's memory, so there is no -shm file and nothing else can read the
 * database while the controller runs: read it through the controller's API.
 */
export function acquireStoreLock(db: Database.Database, dataDir: string, ownerFile: string, file: string): void {
  db.pragma('busy_timeout = 0');
  db.pragma('locking_mode = EXCLUSIVE');
  try {
    db.pragma('journal_mode = WAL');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      const owner = readOwner(ownerFile);
      const who = owner ? `pid ${owner.pid} on ${owner.host}, since ${owner.since}` : 'another process';
      throw new ShadowtwinError('ST_ERR_STORE_LOCKED',
        `another controller (${who}) is using the data directory ${dataDir} (${file} is locked): stop it, or give this controller another --data directory`, { cause: err, details: owner });
    }
    throw err;
  }
  const mode = db.pragma('journal_mode', { simple: true });
  if (mode !== 'wal') throw new ShadowtwinError('ST_ERR_STORE_UNWRITABLE', `${file} could not be switched to WAL mode (it stays "${String(mode)}"): the filesystem may not support it; use a local disk for --data`);
  const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  writeFileSync(ownerFile, JSON.stringify(owner) + '\n');
}

/** Forgets the owner note at a clean close (the lock itself goes with the connection). */
export function releaseStoreLock(ownerFile: string): void {
  rmSync(ownerFile, { force: true });
}

function readOwner(ownerFile: string): LockOwner | undefined {
  try {
    const o = JSON.parse(readFileSync(ownerFile, 'utf8')) as LockOwner;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}
