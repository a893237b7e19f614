import type Database from 'better-sqlite3';
import type { RetentionPolicy } from './retention-policy.js';
import { WindowRollup } from './window-rollup.js';

/** What one `prune` call did. `more`: it stopped at a batch or time bound with work left; call again (after yielding). */
export interface PruneResult {
  /** Source rows folded into rollups by this call (bounded by batchRows and the time budget). */
  folded: number;
  /** Source rows marked rolled (their bucket written) by this call. */
  rolled: number;
  /** Windows set aside by the rollup because an HDR payload in them does not decode (the receiver should refuse those). */
  skipped: number;
  deleted: { windows: number; rollups: number; events: number; pods: number; documents: number; batchIds: number };
  more: boolean;
}

/**
 * Enforces the retention policy in bounded steps: rolls windows up first
 * (raw windows and rollups are deleted only once rolled into the next tier;
 * the last tier simply ages out), then deletes at most `batchRows` rows per
 * table per call. Freed pages are reused by later writes, so the file stops
 * growing once retention is reached (it does not shrink: SQLite returns
 * space to the OS only on VACUUM).
 */
export class StorePruner {
  private readonly rollup: WindowRollup;

  constructor(private readonly db: Database.Database, private readonly policy: RetentionPolicy) {
    this.rollup = new WindowRollup(db, policy);
  }

  prune(now: number, budgetMs: number): PruneResult {
    const p = this.policy;
    const n = p.batchRows;
    const pass = this.rollup.pass(now, n, budgetMs);
    const del = (sql: string, ...params: unknown[]): number => this.db.prepare(sql).run(...params, n).changes;
    const deleted = { windows: 0, rollups: 0, events: 0, pods: 0, documents: 0, batchIds: 0 };
    deleted.windows = del('DELETE FROM windows WHERE id IN (SELECT id FROM windows WHERE start < ? AND rolled != 0 ORDER BY start LIMIT ?)', now - p.rawMs);
    let more = pass.more || deleted.windows === n;
    p.tiers.forEach((t, i) => {
      const last = i === p.tiers.length - 1;
      const d = del(`DELETE FROM rollups WHERE id IN (SELECT id FROM rollups WHERE bucket_ms = ? AND start < ? ${last ? '' : 'AND rolled != 0'} ORDER BY start LIMIT ?)`, t.bucketMs, now - t.keepMs);
      deleted.rollups += d;
      if (d === n) more = true;
    });
    deleted.events = del('DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < ? ORDER BY at LIMIT ?)', now - p.eventsMs);
    deleted.pods = del('DELETE FROM pods WHERE (service, pod, role) IN (SELECT service, pod, role FROM pods WHERE last_seen < ? LIMIT ?)', now - p.podsMs);
    deleted.batchIds = del('DELETE FROM batches WHERE (sender, batch_id) IN (SELECT sender, batch_id FROM batches WHERE received_at < ? ORDER BY received_at LIMIT ?)', now - p.batchIdsMs);
    for (const [kind, keepMs] of Object.entries(p.documents)) {
      const d = del('DELETE FROM documents WHERE (kind, key) IN (SELECT kind, key FROM documents WHERE kind = ? AND updated_at < ? LIMIT ?)', kind, now - keepMs);
      deleted.documents += d;
      if (d === n) more = true;
    }
    if (deleted.events === n || deleted.pods === n || deleted.batchIds === n) more = true;
    return { folded: pass.folded, rolled: pass.rolled, skipped: pass.skipped, deleted, more };
  }
}
