import type Database from 'better-sqlite3';
import { ShadowtwinError } from '../../common/errors.js';

/** An event as given to the store; `at` defaults to the store's clock. */
export interface EventInput {
  kind: string;
  service?: string;
  at?: number;
  payload?: unknown;
}

/** A stored event: ids increase with every append and are never reused (AUTOINCREMENT), so `eventsSince(id)` resumes a stream. */
export interface StoredEvent {
  id: number;
  at: number;
  kind: string;
  service: string | undefined;
  payload: unknown;
}

/** The controller's event log (pod joined/gone, drift, refit, proposal, decision …). */
export class EventStore {
  private readonly insert: Database.Statement;
  private readonly appendTx: (rows: Array<[number, string, string | null, string]>) => number[];

  constructor(private readonly db: Database.Database, private readonly maxPayloadBytes: number) {
    this.insert = db.prepare('INSERT INTO events (at, kind, service, payload) VALUES (?, ?, ?, ?)');
    this.appendTx = db.transaction((rows: Array<[number, string, string | null, string]>) => rows.map((r) => Number(this.insert.run(...r).lastInsertRowid)));
  }

  /** Stores the events in one transaction and returns their ids (after the commit). */
  append(events: readonly EventInput[], now: number): number[] {
    const rows = events.map((e, i): [number, string, string | null, string] => {
      if (typeof e.kind !== 'string' || e.kind.length === 0 || e.kind.length > 200) {
        throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `event ${i}: kind must be a non-empty string of at most 200 characters, got ${JSON.stringify(e.kind)}`);
      }
      const at = e.at ?? now;
      if (!Number.isFinite(at)) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `event ${i} (${e.kind}): at must be epoch milliseconds, got ${String(e.at)}`);
      const payload = JSON.stringify(e.payload ?? {});
      if (payload.length > this.maxPayloadBytes) {
        throw new ShadowtwinError('ST_ERR_STORE_DOCUMENT_TOO_LARGE', `event ${i} (${e.kind}) has a ${payload.length}-byte payload, above the store's ${this.maxPayloadBytes}; nothing was stored: keep event evidence small and put large results in a document`);
      }
      return [Math.round(at), e.kind, e.service ?? null, payload];
    });
    return this.appendTx(rows);
  }

  /** Events with an id above `afterId` (0: from the oldest kept), oldest first, at most `limit`. */
  since(afterId: number, limit = 1000, filter: { service?: string; kind?: string } = {}): StoredEvent[] {
    const clauses = ['id > ?'];
    const params: unknown[] = [afterId];
    if (filter.service !== undefined) { clauses.push('service = ?'); params.push(filter.service); }
    if (filter.kind !== undefined) { clauses.push('kind = ?'); params.push(filter.kind); }
    const rows = this.db.prepare(`SELECT id, at, kind, service, payload FROM events WHERE ${clauses.join(' AND ')} ORDER BY id LIMIT ?`)
      .all(...params, Math.max(0, Math.floor(limit))) as Array<{ id: number; at: number; kind: string; service: string | null; payload: string }>;
    return rows.map((r) => ({ id: r.id, at: r.at, kind: r.kind, service: r.service ?? undefined, payload: JSON.parse(r.payload) as unknown }));
  }

  /** The newest event id (0 when there is none): where a new stream starts. */
  lastId(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events').get() as { id: number }).id;
  }
}
