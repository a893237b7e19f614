import type Database from 'better-sqlite3';
import { readDocument, type Contract } from '../../common/contracts/index.js';
import { ShadowtwinError } from '../../common/errors.js';

/** A versioned document: models, forecasts, scale-loop state, run reports, proposals, decisions. */
export interface VersionedDocument {
  kind: string;
  version: number;
}

export interface StoredDocument<T> {
  kind: string;
  key: string;
  version: number;
  updatedAt: number;
  doc: T;
}

/**
 * Documents by kind and key, the latest write winning. Given a contract, a
 * write is validated before it is stored and a read goes through
 * `readDocument` (ST_ERR_CONTRACT_VERSION for a version this shadowtwin does
 * not read, e.g. after a downgrade).
 */
export class DocumentStore {
  private readonly upsert: Database.Statement;

  constructor(private readonly db: Database.Database, private readonly maxDocumentBytes: number) {
    this.upsert = db.prepare(`INSERT INTO documents (kind, key, version, updated_at, payload) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (kind, key) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at, payload = excluded.payload`);
  }

  put<T extends VersionedDocument>(key: string, doc: T, now: number, contract?: Contract<T>): void {
    const checked = contract ? readDocument(contract, doc, `document ${JSON.stringify(key)}`) : doc;
    if (typeof checked?.kind !== 'string' || checked.kind.length === 0 || !Number.isInteger(checked.version)) {
      throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `document ${JSON.stringify(key)} must carry a string "kind" and an integer "version"`);
    }
    if (typeof key !== 'string' || key.length === 0 || key.length > 512) {
      throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `a ${checked.kind} document's key must be a non-empty string of at most 512 characters, got ${JSON.stringify(key)}`);
    }
    const payload = JSON.stringify(checked);
    if (payload.length > this.maxDocumentBytes) {
      throw new ShadowtwinError('ST_ERR_STORE_DOCUMENT_TOO_LARGE', `${checked.kind} ${JSON.stringify(key)} is ${payload.length} bytes of JSON, above the store's ${this.maxDocumentBytes}; it was not stored`);
    }
    this.upsert.run(checked.kind, key, checked.version, now, payload);
  }

  get<T>(kind: string, key: string, contract?: Contract<T>): StoredDocument<T> | undefined {
    const row = this.db.prepare('SELECT version, updated_at, payload FROM documents WHERE kind = ? AND key = ?').get(kind, key) as
      { version: number; updated_at: number; payload: string } | undefined;
    if (!row) return undefined;
    const raw = JSON.parse(row.payload) as unknown;
    const doc = contract ? readDocument(contract, raw, `stored ${kind} ${JSON.stringify(key)}`) : raw as T;
    return { kind, key, version: row.version, updatedAt: row.updated_at, doc };
  }

  /** Documents of a kind, most recently updated first, at most `limit`. */
  list<T>(kind: string, limit = 100, contract?: Contract<T>): Array<StoredDocument<T>> {
    const rows = this.db.prepare('SELECT key, version, updated_at, payload FROM documents WHERE kind = ? ORDER BY updated_at DESC, key LIMIT ?')
      .all(kind, Math.max(0, Math.floor(limit))) as Array<{ key: string; version: number; updated_at: number; payload: string }>;
    return rows.map((r) => {
      const raw = JSON.parse(r.payload) as unknown;
      return { kind, key: r.key, version: r.version, updatedAt: r.updated_at, doc: contract ? readDocument(contract, raw, `stored ${kind} ${JSON.stringify(r.key)}`) : raw as T };
    });
  }

  /** Removes one document; false when there was none. */
  delete(kind: string, key: string): boolean {
    return this.db.prepare('DELETE FROM documents WHERE kind = ? AND key = ?').run(kind, key).changes > 0;
  }
}
