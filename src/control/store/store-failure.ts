import { ShadowtwinError } from '../../common/errors.js';

/** SQLite result codes (better-sqlite3's `SqliteError.code`, extended codes included) by what they mean to a user. */
const UNWRITABLE = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|PERM|AUTH)/;
const CORRUPT = /^SQLITE_(CORRUPT|NOTADB)/;
const LOCKED = /^SQLITE_(BUSY|LOCKED)/;

/**
 * The ShadowtwinError for a failed store operation (`doing`, e.g. "storing 12
 * windows" in `file`): ShadowtwinErrors pass through; SQLite's codes map to
 * ST_ERR_STORE_UNWRITABLE, ST_ERR_STORE_CORRUPT or ST_ERR_STORE_LOCKED with
 * SQLite's own words kept; anything else is ST_ERR_INTERNAL.
 */
export function storeFailure(err: unknown, doing: string, file: string): ShadowtwinError {
  if (err instanceof ShadowtwinError) return err;
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : '';
  const said = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_FULL') {
    return new ShadowtwinError('ST_ERR_STORE_UNWRITABLE', `${doing} failed: ${file} is full (${said}): the disk or the store's size limit (maxBytes) is reached; nothing was stored: free space, shorten retention or raise the limit`, { cause: err });
  }
  if (UNWRITABLE.test(code)) {
    return new ShadowtwinError('ST_ERR_STORE_UNWRITABLE', `${doing} failed: ${file} cannot be written (${code}: ${said}); nothing was stored: check the disk and that the data directory and its files are writable by this user`, { cause: err });
  }
  if (CORRUPT.test(code)) {
    return new ShadowtwinError('ST_ERR_STORE_CORRUPT', `${doing} failed: ${file} is not a readable SQLite database (${code}: ${said}): move it aside and start again, or restore a copy`, { cause: err });
  }
  if (LOCKED.test(code)) {
    return new ShadowtwinError('ST_ERR_STORE_LOCKED', `${doing} failed: ${file} is locked by another process (${said}): only one controller may use a data directory`, { cause: err });
  }
  return new ShadowtwinError('ST_ERR_INTERNAL', `${doing} failed on ${file}: ${said}`, { cause: err });
}
