import type Database from 'better-sqlite3';
import { mergeWindows, readDocument, WINDOW_CONTRACT, type WindowDocument, type WindowRole } from '../../common/contracts/index.js';
import { ShadowtwinError } from '../../common/errors.js';
import type { RetentionPolicy } from './retention-policy.js';
import { decodeWindowBody, encodeWindowBody } from './window-body.js';

/** A pod as the fleet view sees it: `lastSeen` is when its latest window arrived (the controller's clock). */
export interface PodInfo {
  service: string;
  pod: string;
  role: WindowRole;
  firstSeen: number;
  lastSeen: number;
  /** The end of the latest window it sent (its clock). */
  lastWindowEnd: number;
}

/** Requests per second in [start, start + stepMs), summed over pods. */
export interface RatePoint {
  start: number;
  requests: number;
  errors: number;
  rate: number;
}

/** Which windows a read covers: a service's role (primary by default; a generator run by `runId`) over [from, to) by window start. */
export interface WindowQuery {
  role?: WindowRole;
  runId?: string;
  from: number;
  to: number;
}

/** Which stored resolution answered: `raw` windows or a rollup tier's bucket. */
export interface Resolution {
  name: 'raw' | 'rollup';
  bucketMs: number | undefined;
}

/** What an append stored: `duplicate` when the batch's id was committed before (nothing stored again; ack it). */
export interface AppendedWindows {
  windows: number;
  requests: number;
  duplicate: boolean;
}

/** Windows to store together; `sender` + `batchId` (both or neither) make a resend of a committed batch a no-op. */
export interface WindowBatch {
  windows: readonly unknown[];
  /** The windows passed `readDocument(WINDOW_CONTRACT, …)` already (the receiver's check): skip it here. */
  checked?: boolean;
  sender?: string;
  batchId?: string;
}

interface PreparedRow { doc: WindowDocument; body: Buffer; requests: number; errors: number }
interface PreparedBatch { ids?: { sender: string; batchId: string }; rows: PreparedRow[] }

function outcome(p: PreparedBatch, duplicate: boolean): AppendedWindows {
  return duplicate
    ? { windows: 0, requests: 0, duplicate: true }
    : { windows: p.rows.length, requests: p.rows.reduce((a, r) => a + r.requests, 0), duplicate: false };
}

interface SourceSql { sql: string; params: unknown[] }

/**
 * Windows as received (per service, pod and role) and their rollups, in the
 * store's database. Reads pick one resolution for a range: raw when the range
 * starts within raw retention, else the finest rollup tier whose retention
 * covers it, counting each request exactly once (rows of that tier plus the
 * finer rows not yet rolled into it).
 */
export class WindowStore {
  private readonly insertWindow: Database.Statement;
  private readonly upsertPod: Database.Statement;
  private readonly insertBatchId: Database.Statement;
  private readonly appendTx: (batches: PreparedBatch[], receivedAt: number) => boolean[];

  constructor(private readonly db: Database.Database, private readonly policy: RetentionPolicy, private readonly maxWindowBytes: number) {
    this.insertWindow = db.prepare(`INSERT INTO windows (service, pod, role, run_id, start, end, requests, errors, received_at, body)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.upsertPod = db.prepare(`INSERT INTO pods (service, pod, role, first_seen, last_seen, last_window_end) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (service, pod, role) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen), last_window_end = max(last_window_end, excluded.last_window_end)`);
    this.insertBatchId = db.prepare('INSERT INTO batches (sender, batch_id, received_at, windows) VALUES (?, ?, ?, ?) ON CONFLICT (sender, batch_id) DO NOTHING');
    // Returns, per batch, whether it was a duplicate (its id already committed: nothing stored again).
    this.appendTx = db.transaction((batches: PreparedBatch[], receivedAt: number) => batches.map(({ ids, rows }) => {
      if (ids && this.insertBatchId.run(ids.sender, ids.batchId, receivedAt, rows.length).changes === 0) return true;
      for (const { doc, body, requests, errors } of rows) {
        const s = doc.source;
        this.insertWindow.run(s.service, s.pod, s.role, s.runId ?? '', doc.start, doc.end, requests, errors, receivedAt, body);
        this.upsertPod.run(s.service, s.pod, s.role, receivedAt, receivedAt, doc.end);
      }
      return false;
    }));
  }

  /**
   * Validates every window (the window contract; at most maxWindowBytes of
   * JSON each), then stores the whole batch in one transaction: it returns
   * only after the commit, and a batch with one bad window stores nothing.
   * With a sender and batch id, a batch whose id was committed before is a
   * duplicate: nothing is stored again (a resend after a lost ack, even
   * across a controller restart).
   */
  append(batch: WindowBatch, receivedAt: number): AppendedWindows {
    const prepared = this.prepareBatch(batch);
    const [duplicate] = this.appendTx([prepared], receivedAt);
    return outcome(prepared, duplicate!);
  }

  /**
   * Group commit: each batch is validated on its own (a bad one is refused
   * with its error, the others go on), and every valid batch is stored in
   * one transaction, so many sidecars' batches cost one commit (one fsync).
   * Returns, in order, what each batch stored or why it was refused; a
   * failure of the commit itself throws and stores none of them.
   */
  appendBatches(batches: readonly WindowBatch[], receivedAt: number): Array<AppendedWindows | ShadowtwinError> {
    const prepared = batches.map((b) => {
      try {
        return this.prepareBatch(b);
      } catch (err) {
        if (err instanceof ShadowtwinError) return err;
        throw err;
      }
    });
    const valid = prepared.filter((p): p is PreparedBatch => !(p instanceof ShadowtwinError));
    const duplicates = this.appendTx(valid, receivedAt);
    let i = 0;
    return prepared.map((p) => (p instanceof ShadowtwinError ? p : outcome(p, duplicates[i++]!)));
  }

  private prepareBatch(batch: WindowBatch): PreparedBatch {
    const { sender, batchId } = batch;
    if (sender !== undefined || batchId !== undefined) {
      for (const [name, v] of [['sender', sender], ['batchId', batchId]] as const) {
        if (typeof v !== 'string' || v.length === 0 || v.length > 256) {
          throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `a window batch's ${name} must be a non-empty string of at most 256 characters (both or neither), got ${JSON.stringify(v)}`);
        }
      }
      return { ids: { sender: sender!, batchId: batchId! }, rows: this.prepareRows(batch.windows, batch.checked === true) };
    }
    return { rows: this.prepareRows(batch.windows, batch.checked === true) };
  }

  private prepareRows(batch: readonly unknown[], checked: boolean): PreparedRow[] {
    return batch.map((raw, i) => {
      // `checked`: the caller validated these with the same contract (the telemetry receiver does): not again.
      const doc = checked ? raw as WindowDocument : readDocument(WINDOW_CONTRACT, raw, `window ${i} of the batch`);
      const json = JSON.stringify(doc);
      if (json.length > this.maxWindowBytes) {
        throw new ShadowtwinError('ST_ERR_STORE_DOCUMENT_TOO_LARGE',
          `window ${i} of the batch (${doc.source.service}/${doc.source.pod}) is ${json.length} bytes of JSON, above the store's ${this.maxWindowBytes}; nothing of the batch was stored: send windows with fewer routes or more often`);
      }
      let requests = 0;
      let errors = 0;
      for (const r of doc.routes) { requests += r.requests; errors += r.errors; }
      return { doc, body: encodeWindowBody(json), requests, errors };
    });
  }

  /** Services that sent windows (and are still in the pod list), sorted. */
  services(): string[] {
    return (this.db.prepare('SELECT DISTINCT service FROM pods ORDER BY service').all() as Array<{ service: string }>).map((r) => r.service);
  }

  /** Pods of one service (or all), with when each was last heard from. */
  pods(service?: string): PodInfo[] {
    const rows = (service === undefined
      ? this.db.prepare('SELECT * FROM pods ORDER BY service, pod, role').all()
      : this.db.prepare('SELECT * FROM pods WHERE service = ? ORDER BY pod, role').all(service)) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      service: r.service as string, pod: r.pod as string, role: r.role as WindowRole,
      firstSeen: r.first_seen as number, lastSeen: r.last_seen as number, lastWindowEnd: r.last_window_end as number,
    }));
  }

  /** The resolution a read of a range starting at `from` uses at `now`. */
  resolutionFor(from: number, now: number): Resolution {
    const tier = this.tierFor(from, now);
    return tier < 0 ? { name: 'raw', bucketMs: undefined } : { name: 'rollup', bucketMs: this.policy.tiers[tier]!.bucketMs };
  }

  /**
   * Requests per second of a service per step, across its pods (role primary
   * by default), each window counted in the step its start falls in. The step
   * is at least the resolution's bucket (default: 10 s raw, else the bucket).
   * Steps without windows are absent.
   */
  rateSeries(service: string, q: WindowQuery & { stepMs?: number }, now: number): { resolution: Resolution; stepMs: number; points: RatePoint[] } {
    const tier = this.tierFor(q.from, now);
    const bucket = tier < 0 ? 1 : this.policy.tiers[tier]!.bucketMs;
    const stepMs = Math.max(bucket, Math.round(q.stepMs ?? (tier < 0 ? 10_000 : bucket)));
    if (!(stepMs > 0)) throw new ShadowtwinError('ST_ERR_USAGE', `stepMs must be a positive number of milliseconds, got ${q.stepMs}`);
    const sources = this.sources(tier, service, q, 'start, requests, errors');
    const sql = `SELECT (start / ${stepMs}) * ${stepMs} AS t, SUM(requests) AS requests, SUM(errors) AS errors
      FROM (${sources.map((s) => s.sql).join(' UNION ALL ')}) GROUP BY t ORDER BY t`;
    const rows = this.db.prepare(sql).all(...sources.flatMap((s) => s.params)) as Array<{ t: number; requests: number; errors: number }>;
    return {
      resolution: this.resolutionFor(q.from, now), stepMs,
      points: rows.map((r) => ({ start: r.t, requests: r.requests, errors: r.errors, rate: r.requests / (stepMs / 1000) })),
    };
  }

  /** The service's windows over the range merged into one (exact: counts add, histograms merge), or undefined when there are none. */
  merged(service: string, q: WindowQuery, now: number): WindowDocument | undefined {
    const tier = this.tierFor(q.from, now);
    const sources = this.sources(tier, service, q, 'body');
    const rows = this.db.prepare(sources.map((s) => s.sql).join(' UNION ALL ')).all(...sources.flatMap((s) => s.params)) as Array<{ body: Buffer }>;
    if (rows.length === 0) return undefined;
    const role = q.role ?? 'primary';
    return mergeWindows(rows.map((r) => decodeWindowBody(r.body)), { service, pod: '*', role, ...(q.runId ? { runId: q.runId } : {}) });
  }

  /** Raw windows of one pod (or all pods) of a service over the range, oldest first, at most `limit`. */
  raw(service: string, q: WindowQuery & { pod?: string; limit?: number }): WindowDocument[] {
    const role = q.role ?? 'primary';
    const rows = this.db.prepare(`SELECT body FROM windows WHERE service = ? AND role = ? AND run_id = ? AND start >= ? AND start < ?
      ${q.pod === undefined ? '' : 'AND pod = ?'} ORDER BY start, id LIMIT ?`)
      .all(service, role, q.runId ?? '', q.from, q.to, ...(q.pod === undefined ? [] : [q.pod]), q.limit ?? 10_000) as Array<{ body: Buffer }>;
    return rows.map((r) => decodeWindowBody(r.body));
  }

  /** -1 for raw, else the index of the finest tier whose retention reaches back to `from`. */
  private tierFor(from: number, now: number): number {
    if (from >= now - this.policy.rawMs) return -1;
    const tiers = this.policy.tiers;
    for (let i = 0; i < tiers.length; i++) if (from >= now - tiers[i]!.keepMs) return i;
    return tiers.length - 1;
  }

  /** The row sets that hold each request of the range exactly once at `tier`: its rows, plus the rows of finer resolutions not yet rolled into it. */
  private sources(tier: number, service: string, q: WindowQuery, columns: string): SourceSql[] {
    const where = 'service = ? AND role = ? AND run_id = ? AND start >= ? AND start < ?';
    // Rows the rollup set aside (rolled = 2: an HDR payload that does not decode) are left out of every read.
    if (tier < 0) return [{ sql: `SELECT ${columns} FROM windows WHERE rolled != 2 AND ${where}`, params: [service, q.role ?? 'primary', q.runId ?? '', q.from, q.to] }];
    // Whole buckets of the tier, so a window counts the same whether or not it has been rolled up yet.
    const b = this.policy.tiers[tier]!.bucketMs;
    const key = [service, q.role ?? 'primary', q.runId ?? '', Math.floor(q.from / b) * b, Math.ceil(q.to / b) * b];
    const out: SourceSql[] = [
      { sql: `SELECT ${columns} FROM rollups WHERE bucket_ms = ? AND ${where}`, params: [this.policy.tiers[tier]!.bucketMs, ...key] },
      { sql: `SELECT ${columns} FROM windows WHERE rolled = 0 AND ${where}`, params: key },
    ];
    for (let i = 0; i < tier; i++) {
      out.push({ sql: `SELECT ${columns} FROM rollups WHERE bucket_ms = ? AND rolled = 0 AND ${where}`, params: [this.policy.tiers[i]!.bucketMs, ...key] });
    }
    return out;
  }
}
