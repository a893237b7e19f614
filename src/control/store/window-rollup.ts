import type Database from 'better-sqlite3';
import { windowFromTable, type WindowDocument, type WindowRole } from '../../common/contracts/index.js';
import { ShadowtwinError } from '../../common/errors.js';
import { RouteStatsTable } from '../../common/route-stats.js';
import type { RetentionPolicy } from './retention-policy.js';
import { decodeWindowBody, encodeWindowBody } from './window-body.js';

/** What one bounded pass did; `more` when it stopped at its row or time budget with work left. */
export interface RollupPass {
  /** Source rows read and folded by this call (what `maxRows` bounds). */
  folded: number;
  /** Source rows marked rolled by this call (a bucket's rows are marked when it is written, maybe calls after they were folded). */
  rolled: number;
  /** Rows whose HDR payload does not decode: set aside (never merged, pruned with the rest) so they cannot block retention. */
  skipped: number;
  more: boolean;
}

/** One bucket being rolled up: the rows folded so far (not yet marked: that happens in the transaction that writes the bucket). */
interface Bucket {
  from: 'windows' | 'rollups';
  /** The source rows' tier bucket (rollups only). */
  sourceBucketMs: number | undefined;
  bucketMs: number;
  service: string;
  role: WindowRole;
  runId: string;
  start: number;
  table: RouteStatsTable;
  ids: number[];
  lastId: number;
  minStart: number;
  maxEnd: number;
}

/** Source rows read at a time. */
const PAGE_ROWS = 8;
/** `rolled` values: 0 waiting, 1 merged into the next tier, 2 set aside (an HDR payload that does not decode). */
const SET_ASIDE = 2;

/**
 * Rolls raw windows into the first tier and each tier into the next: rows
 * whose bucket ended at least `rollupGraceMs` before `now` are merged per
 * service, role and run into that bucket's open row of the next tier
 * (created when there is none) and marked rolled in the transaction that
 * writes it. A bucket's rows are folded a few at a time across calls into
 * one route table (the fold `mergeWindows` does: counts add, histograms
 * merge, so the result is exact) and written once, when none is left: the
 * merged histograms are encoded once per bucket, not once per call. A
 * window that arrives after its bucket was rolled on becomes another open
 * row of the bucket: reads merge the rows of a bucket, so nothing is counted
 * twice or lost. Bounded by `maxRows` source rows and `budgetMs` per call.
 */
export class WindowRollup {
  private bucket: Bucket | undefined;

  constructor(private readonly db: Database.Database, private readonly policy: RetentionPolicy) {}

  pass(now: number, maxRows: number, budgetMs: number): RollupPass {
    const began = performance.now();
    const out: RollupPass = { folded: 0, rolled: 0, skipped: 0, more: false };
    for (;;) {
      const consumed = out.folded + out.skipped;
      if (consumed > 0 && (consumed >= maxRows || performance.now() - began > budgetMs)) { out.more = true; return out; }
      const b = this.bucket ?? (this.bucket = this.nextBucket(now));
      if (!b) return out;
      const page = this.db.prepare(`SELECT id, start, end, body FROM ${b.from} WHERE ${b.sourceBucketMs ? `bucket_ms = ${b.sourceBucketMs} AND` : ''}
        rolled = 0 AND service = ? AND role = ? AND run_id = ? AND start >= ? AND start < ? AND id > ? ORDER BY id LIMIT ?`)
        .all(b.service, b.role, b.runId, b.start, b.start + b.bucketMs, b.lastId, PAGE_ROWS) as Array<{ id: number; start: number; end: number; body: Buffer }>;
      if (page.length === 0) {
        // Forgotten before the write: if the write fails (disk full), the bucket is folded again from its rows, never twice.
        this.bucket = undefined;
        out.rolled += this.writeBucket(b);
        continue;
      }
      for (const row of page) {
        try {
          const doc = decodeWindowBody(row.body);
          for (const r of doc.routes) b.table.get(r.route, r.method).add(r);
        } catch (err) {
          // Start the bucket over without this row: its partial fold is in the table.
          this.bucket = undefined;
          if (!(err instanceof ShadowtwinError && err.code === 'ST_ERR_HISTOGRAM_DECODE')) throw err;
          this.db.prepare(`UPDATE ${b.from} SET rolled = ${SET_ASIDE} WHERE id = ?`).run(row.id);
          out.skipped++;
          break;
        }
        out.folded++;
        b.ids.push(row.id);
        b.lastId = row.id;
        b.minStart = Math.min(b.minStart, row.start);
        b.maxEnd = Math.max(b.maxEnd, row.end);
        if (out.folded + out.skipped >= maxRows || performance.now() - began > budgetMs) break;
      }
    }
  }

  /** The oldest waiting bucket of the finest tier that has one. */
  private nextBucket(now: number): Bucket | undefined {
    const tiers = this.policy.tiers;
    for (let t = 0; t < tiers.length; t++) {
      const bucketMs = tiers[t]!.bucketMs;
      const cutoff = Math.floor((now - this.policy.rollupGraceMs) / bucketMs) * bucketMs;
      const from = t === 0 ? 'windows' : 'rollups';
      const sourceBucketMs = t === 0 ? undefined : tiers[t - 1]!.bucketMs;
      const row = this.db.prepare(`SELECT service, role, run_id, start FROM ${from} WHERE ${sourceBucketMs ? `bucket_ms = ${sourceBucketMs} AND` : ''} rolled = 0 AND start < ? ORDER BY start LIMIT 1`)
        .get(cutoff) as { service: string; role: WindowRole; run_id: string; start: number } | undefined;
      if (!row) continue;
      return {
        from, sourceBucketMs, bucketMs, service: row.service, role: row.role, runId: row.run_id,
        start: Math.floor(row.start / bucketMs) * bucketMs,
        table: new RouteStatsTable(10_000), ids: [], lastId: 0, minStart: Infinity, maxEnd: -Infinity,
      };
    }
    return undefined;
  }

  /** Writes the bucket (merged into its open row, if any) and marks its rows rolled, in one transaction; returns the rows rolled. */
  private writeBucket(b: Bucket): number {
    if (b.ids.length === 0) return 0;
    this.db.transaction(() => {
      const open = this.db.prepare('SELECT id, body FROM rollups WHERE bucket_ms = ? AND service = ? AND role = ? AND run_id = ? AND start = ? AND rolled = 0 LIMIT 1')
        .get(b.bucketMs, b.service, b.role, b.runId, b.start) as { id: number; body: Buffer } | undefined;
      if (open) {
        const doc = decodeWindowBody(open.body);
        for (const r of doc.routes) b.table.get(r.route, r.method).add(r);
        b.minStart = Math.min(b.minStart, doc.start);
        b.maxEnd = Math.max(b.maxEnd, doc.end);
      }
      const merged: WindowDocument = windowFromTable({ service: b.service, pod: '*', role: b.role, ...(b.runId ? { runId: b.runId } : {}) }, b.minStart, b.maxEnd, b.table);
      let requests = 0;
      let errors = 0;
      for (const r of merged.routes) { requests += r.requests; errors += r.errors; }
      const body = encodeWindowBody(JSON.stringify(merged));
      if (open) {
        this.db.prepare('UPDATE rollups SET requests = ?, errors = ?, body = ? WHERE id = ?').run(requests, errors, body, open.id);
      } else {
        this.db.prepare('INSERT INTO rollups (bucket_ms, service, role, run_id, start, end, requests, errors, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
          .run(b.bucketMs, b.service, b.role, b.runId, b.start, b.start + b.bucketMs, requests, errors, body);
      }
      const mark = this.db.prepare(`UPDATE ${b.from} SET rolled = 1 WHERE id = ?`);
      for (const id of b.ids) mark.run(id);
    })();
    return b.ids.length;
  }
}
