import type Database from 'better-sqlite3';
import { mergeWindows, type WindowDocument, type WindowRole } from '../../common/contracts/index.js';
import { ShadowtwinError } from '../../common/errors.js';
import type { RetentionPolicy } from './retention-policy.js';
import { decodeWindowBody, encodeWindowBody } from './window-body.js';

interface SourceRow { id: number; service: string; role: WindowRole; run_id: string; start: number; body: Buffer }

/** What one bounded pass did; `more` when it stopped at its row or time budget with work left. */
export interface RollupPass {
  rolled: number;
  /** Rows whose HDR payload does not decode: set aside (never merged, pruned with the rest) so they cannot block retention. */
  skipped: number;
  more: boolean;
}

/** Rows merged per transaction: ~4 ms each for a 20-route window (HDR decode and add), so one chunk stays near the time budget. */
const CHUNK_ROWS = 16;
/** Rows read per tier per pass (bodies included). */
const FETCH_ROWS = 256;

/** `rolled` values: 0 waiting, 1 merged into the next tier, 2 set aside (undecodable). */
const SET_ASIDE = 2;

/**
 * Rolls raw windows into the first tier and each tier into the next: rows
 * whose bucket ended at least `rollupGraceMs` before `now` are merged
 * (`mergeWindows`, exact) per service, role and run into that bucket's open
 * row of the next tier (created when there is none) and marked rolled, a
 * chunk of rows per transaction. A window that arrives after its bucket was
 * rolled on becomes another open row of the bucket: reads merge the rows of
 * a bucket, so nothing is counted twice or lost. Bounded by `maxRows` source
 * rows and `budgetMs` per call.
 */
export class WindowRollup {
  constructor(private readonly db: Database.Database, private readonly policy: RetentionPolicy) {}

  pass(now: number, maxRows: number, budgetMs: number): RollupPass {
    const began = performance.now();
    const out: RollupPass = { rolled: 0, skipped: 0, more: false };
    const tiers = this.policy.tiers;
    for (let t = 0; t < tiers.length; t++) {
      const bucketMs = tiers[t]!.bucketMs;
      const cutoff = Math.floor((now - this.policy.rollupGraceMs) / bucketMs) * bucketMs;
      const from = t === 0 ? 'windows' : 'rollups';
      const fromTier = t === 0 ? '' : `bucket_ms = ${tiers[t - 1]!.bucketMs} AND`;
      const room = Math.min(FETCH_ROWS, maxRows - out.rolled - out.skipped);
      const rows = this.db.prepare(`SELECT id, service, role, run_id, start, body FROM ${from} WHERE ${fromTier} rolled = 0 AND start < ? ORDER BY start LIMIT ?`)
        .all(cutoff, room + 1) as SourceRow[];
      const limited = rows.length > room;
      if (limited) rows.pop();
      const groups = new Map<string, SourceRow[]>();
      for (const r of rows) {
        const k = `${r.service}\u0000${r.role}\u0000${r.run_id}\u0000${Math.floor(r.start / bucketMs) * bucketMs}`;
        let g = groups.get(k);
        if (!g) groups.set(k, (g = []));
        g.push(r);
      }
      for (const g of groups.values()) {
        for (let i = 0; i < g.length; i += CHUNK_ROWS) {
          if (performance.now() - began > budgetMs && out.rolled + out.skipped > 0) { out.more = true; return out; }
          const chunk = g.slice(i, i + CHUNK_ROWS);
          const skipped = this.rollChunk(from, bucketMs, chunk);
          out.rolled += chunk.length - skipped;
          out.skipped += skipped;
        }
      }
      if (limited) { out.more = true; return out; }
    }
    return out;
  }

  /** Merges one chunk of one bucket's rows into its open row; returns how many rows were set aside. */
  private rollChunk(from: 'windows' | 'rollups', bucketMs: number, rows: SourceRow[]): number {
    const first = rows[0]!;
    const start = Math.floor(first.start / bucketMs) * bucketMs;
    const source = { service: first.service, pod: '*', role: first.role, ...(first.run_id ? { runId: first.run_id } : {}) };
    let setAside: SourceRow[] = [];
    this.db.transaction(() => {
      const open = this.db.prepare(`SELECT id, body FROM rollups WHERE bucket_ms = ? AND service = ? AND role = ? AND run_id = ? AND start = ? AND rolled = 0 LIMIT 1`)
        .get(bucketMs, first.service, first.role, first.run_id, start) as { id: number; body: Buffer } | undefined;
      const docs: WindowDocument[] = rows.map((r) => decodeWindowBody(r.body));
      const withOpen = (ds: WindowDocument[]): WindowDocument[] => (open ? [...ds, decodeWindowBody(open.body)] : ds);
      let good = rows;
      let merged: WindowDocument | undefined;
      try {
        merged = mergeWindows(withOpen(docs), source);
      } catch (err) {
        if (!(err instanceof ShadowtwinError && err.code === 'ST_ERR_HISTOGRAM_DECODE')) throw err;
        // Set aside the rows whose HDR payload does not decode (the receiver should have refused them); merge the rest.
        const decodes = (d: WindowDocument): boolean => { try { mergeWindows([d]); return true; } catch { return false; } };
        setAside = rows.filter((_, i) => !decodes(docs[i]!));
        good = rows.filter((r) => !setAside.includes(r));
        const goodDocs = docs.filter((_, i) => !setAside.includes(rows[i]!));
        merged = goodDocs.length > 0 ? mergeWindows(withOpen(goodDocs), source) : undefined;
      }
      if (merged) {
        let requests = 0;
        let errors = 0;
        for (const r of merged.routes) { requests += r.requests; errors += r.errors; }
        const body = encodeWindowBody(JSON.stringify(merged));
        if (open) {
          this.db.prepare('UPDATE rollups SET requests = ?, errors = ?, body = ? WHERE id = ?').run(requests, errors, body, open.id);
        } else {
          this.db.prepare(`INSERT INTO rollups (bucket_ms, service, role, run_id, start, end, requests, errors, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
            .run(bucketMs, first.service, first.role, first.run_id, start, start + bucketMs, requests, errors, body);
        }
      }
      const mark = this.db.prepare(`UPDATE ${from} SET rolled = ? WHERE id = ?`);
      for (const r of good) mark.run(1, r.id);
      for (const r of setAside) mark.run(SET_ASIDE, r.id);
    })();
    return setAside.length;
  }
}
