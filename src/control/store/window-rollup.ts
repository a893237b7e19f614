import type Database from 'better-sqlite3';
import { mergeWindows, type WindowDocument, type WindowRole } from '../../common/contracts/index.js';
import type { RetentionPolicy } from './retention-policy.js';
import { decodeWindowBody, encodeWindowBody } from './window-body.js';

interface SourceRow { id: number; service: string; role: WindowRole; run_id: string; start: number; body: Buffer }

/** What one bounded pass did; `more` when it stopped at its row or time budget with work left. */
export interface RollupPass {
  rolled: number;
  buckets: number;
  more: boolean;
}

/**
 * Rolls raw windows into the first tier and each tier into the next: rows
 * whose bucket ended at least `rollupGraceMs` before `now` are merged
 * (`mergeWindows`, exact) per service, role and run into that bucket's open
 * row of the next tier (one is created when there is none), and marked
 * rolled, in one transaction per bucket. A window that arrives after its
 * bucket was rolled becomes another open row of the bucket: reads merge the
 * rows of a bucket, so nothing is counted twice or lost. Bounded by
 * `maxRows` source rows and `budgetMs` per call.
 */
export class WindowRollup {
  constructor(private readonly db: Database.Database, private readonly policy: RetentionPolicy) {}

  pass(now: number, maxRows: number, budgetMs: number): RollupPass {
    const began = performance.now();
    const out: RollupPass = { rolled: 0, buckets: 0, more: false };
    const tiers = this.policy.tiers;
    for (let t = 0; t < tiers.length; t++) {
      const bucketMs = tiers[t]!.bucketMs;
      const cutoff = Math.floor((now - this.policy.rollupGraceMs) / bucketMs) * bucketMs;
      const from = t === 0 ? 'windows' : 'rollups';
      const fromTier = t === 0 ? '' : `bucket_ms = ${tiers[t - 1]!.bucketMs} AND`;
      const rows = this.db.prepare(`SELECT id, service, role, run_id, start, body FROM ${from} WHERE ${fromTier} rolled = 0 AND start < ? ORDER BY start LIMIT ?`)
        .all(cutoff, maxRows - out.rolled + 1) as SourceRow[];
      const limited = rows.length > maxRows - out.rolled;
      if (limited) rows.pop();
      const groups = new Map<string, SourceRow[]>();
      for (const r of rows) {
        const k = `${r.service}\u0000${r.role}\u0000${r.run_id}\u0000${Math.floor(r.start / bucketMs) * bucketMs}`;
        let g = groups.get(k);
        if (!g) groups.set(k, (g = []));
        g.push(r);
      }
      // A bucket's rows cut off by the row limit are rolled next pass into the same open row (or a new one): still exact.
      for (const g of groups.values()) {
        if (performance.now() - began > budgetMs && out.buckets > 0) { out.more = true; return out; }
        this.rollBucket(from, bucketMs, g);
        out.rolled += g.length;
        out.buckets++;
      }
      if (limited || out.rolled >= maxRows) { out.more = true; return out; }
    }
    return out;
  }

  private rollBucket(from: 'windows' | 'rollups', bucketMs: number, rows: SourceRow[]): void {
    const first = rows[0]!;
    const start = Math.floor(first.start / bucketMs) * bucketMs;
    this.db.transaction(() => {
      const open = this.db.prepare(`SELECT id, body FROM rollups WHERE bucket_ms = ? AND service = ? AND role = ? AND run_id = ? AND start = ? AND rolled = 0 LIMIT 1`)
        .get(bucketMs, first.service, first.role, first.run_id, start) as { id: number; body: Buffer } | undefined;
      const docs: WindowDocument[] = rows.map((r) => decodeWindowBody(r.body));
      if (open) docs.push(decodeWindowBody(open.body));
      const merged = mergeWindows(docs, { service: first.service, pod: '*', role: first.role, ...(first.run_id ? { runId: first.run_id } : {}) });
      let requests = 0;
      let errors = 0;
      for (const r of merged.routes) { requests += r.requests; errors += r.errors; }
      const body = encodeWindowBody(JSON.stringify(merged));
      if (open) {
        this.db.prepare('UPDATE rollups SET requests = ?, errors = ?, end = ?, body = ? WHERE id = ?').run(requests, errors, start + bucketMs, body, open.id);
      } else {
        this.db.prepare(`INSERT INTO rollups (bucket_ms, service, role, run_id, start, end, requests, errors, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(bucketMs, first.service, first.role, first.run_id, start, start + bucketMs, requests, errors, body);
      }
      const mark = this.db.prepare(`UPDATE ${from} SET rolled = 1 WHERE id = ?`);
      for (const r of rows) mark.run(r.id);
    })();
  }
}
