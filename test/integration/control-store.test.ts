import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeWindows, WINDOW_CONTRACT, type WindowDocument } from '../../src/common/contracts/index.js';
import { ShadowtwinError } from '../../src/common/index.js';
import { ControllerStore, MIGRATIONS, SCHEMA_VERSION, STORE_FILE, STORE_OWNER_FILE, type ControllerStoreOptions } from '../../src/control/index.js';
import { mergedShape, sampleWindow } from '../helpers/store-windows.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

function codeOfSync(fn: () => unknown): string | undefined {
  try { fn(); } catch (err) { return err instanceof ShadowtwinError ? err.code : String(err); }
  return undefined;
}

describe('controller store', () => {
  let dir: string;
  let open: ControllerStore[];
  let now: number;
  const store = (o: Partial<ControllerStoreOptions> = {}): ControllerStore => {
    const s = ControllerStore.open({ dataDir: dir, now: () => now, ...o });
    open.push(s);
    return s;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'st-store-'));
    open = [];
    now = T0;
  });
  afterEach(() => {
    for (const s of open) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('file, schema and lock', () => {
    it('creates controller.db in WAL mode at the current schema version and keeps data across a reopen', () => {
      const s = store();
      expect(s.openedAtVersion).toBe(0);
      s.appendWindows([sampleWindow({ start: T0 })]);
      s.close();
      const db = new Database(join(dir, STORE_FILE), { readonly: true });
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
      const again = store();
      expect(again.openedAtVersion).toBe(SCHEMA_VERSION);
      expect(again.rawWindows('checkout', { from: 0, to: T0 + HOUR })).toHaveLength(1);
    });

    it('migrates a database of an older schema in place, keeping its data', () => {
      // A version-1 database as an older shadowtwin left it.
      const db = new Database(join(dir, STORE_FILE));
      db.exec(MIGRATIONS[0]!.sql);
      db.pragma('user_version = 1');
      db.prepare("INSERT INTO events (at, kind, service, payload) VALUES (?, 'pod.joined', 'checkout', '{}')").run(T0);
      db.close();
      const s = store();
      expect(s.openedAtVersion).toBe(1);
      expect(s.eventsSince(0).map((e) => e.kind)).toEqual(['pod.joined']);
      expect(s.appendWindows({ windows: [sampleWindow({ start: T0 })], sender: 'a', batchId: '1' }).duplicate).toBe(false);
      s.close();
      const check = new Database(join(dir, STORE_FILE), { readonly: true });
      expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      check.close();
    });

    it('refuses a database from a newer shadowtwin with ST_ERR_STORE_VERSION and the fix', () => {
      store().close();
      const db = new Database(join(dir, STORE_FILE));
      db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      db.close();
      let err: ShadowtwinError | undefined;
      try { store(); } catch (e) { err = e as ShadowtwinError; }
      expect(err?.code).toBe('ST_ERR_STORE_VERSION');
      expect(err?.message).toMatch(/newer shadowtwin.*upgrade shadowtwin, or point --data at another directory/);
    });

    it('a second store on the same data directory is refused with the holder named, and the lock is free after close', () => {
      const first = store();
      let err: ShadowtwinError | undefined;
      try { store(); } catch (e) { err = e as ShadowtwinError; }
      expect(err?.code).toBe('ST_ERR_STORE_LOCKED');
      expect(err?.message).toContain(`pid ${process.pid}`);
      expect(err?.message).toMatch(/stop it, or give this controller another --data directory/);
      // The refusal left the holder intact.
      first.appendWindows([sampleWindow({ start: T0 })]);
      first.close();
      expect(existsSync(join(dir, STORE_OWNER_FILE))).toBe(false);
      expect(store().rawWindows('checkout', { from: 0, to: T0 + HOUR })).toHaveLength(1);
    });

    it('a file that is not a database is ST_ERR_STORE_CORRUPT; a data directory that is a file is ST_ERR_STORE_UNWRITABLE', () => {
      writeFileSync(join(dir, STORE_FILE), 'this is not sqlite '.repeat(300));
      expect(codeOfSync(() => store())).toBe('ST_ERR_STORE_CORRUPT');
      const file = join(dir, 'plain-file');
      writeFileSync(file, 'x');
      expect(codeOfSync(() => store({ dataDir: join(file, 'data') }))).toBe('ST_ERR_STORE_UNWRITABLE');
    });

    it('refuses an invalid retention policy with every problem listed', () => {
      let err: ShadowtwinError | undefined;
      try { store({ retention: { rawMs: -1, tiers: [{ bucketMs: MIN, keepMs: HOUR }, { bucketMs: 90_000, keepMs: HOUR }] } }); } catch (e) { err = e as ShadowtwinError; }
      expect(err?.code).toBe('ST_ERR_CONFIG_INVALID');
      expect(err?.details).toEqual([
        'retention.rawMs: must be a positive number of milliseconds, got -1',
        "retention.tiers.1.bucketMs: must be a multiple of the previous tier's 60000 ms and larger, got 90000",
      ]);
    });
  });

  describe('windows', () => {
    it('stores a batch all or nothing: one invalid window stores none of it', () => {
      const s = store();
      const bad = { ...sampleWindow({ start: T0 + 1000 }), end: T0 } as WindowDocument;
      expect(codeOfSync(() => s.appendWindows([sampleWindow({ start: T0 }), bad]))).toBe('ST_ERR_INPUT_FORMAT');
      expect(codeOfSync(() => s.appendWindows([sampleWindow({ start: T0 }), { kind: 'shadowtwin.window', version: 9 }]))).toBe('ST_ERR_CONTRACT_VERSION');
      expect(s.rawWindows('checkout', { from: 0, to: T0 + HOUR })).toEqual([]);
      expect(s.pods()).toEqual([]);
      expect(s.health().ok).toBe(true);
    });

    it('group commit: each batch validated alone, the valid ones stored in one transaction, the result per batch in order', () => {
      const s = store();
      const bad = { ...sampleWindow({ start: T0 }), routes: 'none' };
      const out = s.appendWindowBatches([
        { windows: [sampleWindow({ pod: 'a', start: T0 })] },
        { windows: [sampleWindow({ pod: 'b', start: T0 }), bad] },
        { windows: [sampleWindow({ pod: 'c', start: T0 }), sampleWindow({ pod: 'c', start: T0 + 1000 })] },
      ]);
      expect(out.map((r) => (r instanceof ShadowtwinError ? r.code : r.windows))).toEqual([1, 'ST_ERR_INPUT_FORMAT', 2]);
      expect((out[1] as ShadowtwinError).message).toMatch(/^window 1 of the batch is not a valid/);
      expect(s.pods().map((p) => p.pod)).toEqual(['a', 'c']);
      expect(s.rawWindows('checkout', { from: 0, to: T0 + HOUR })).toHaveLength(3);
    });

    it('a batch resent with the same sender and batch id is stored once: in one group, later, and after a reopen', () => {
      let s = store();
      const batch = { windows: [sampleWindow({ pod: 'a', start: T0 })], sender: 'pod-a', batchId: '17' };
      expect(s.appendWindows(batch)).toEqual({ windows: 1, requests: 15, duplicate: false });
      expect(s.appendWindows(batch)).toEqual({ windows: 0, requests: 0, duplicate: true });
      const group = s.appendWindowBatches([{ ...batch, batchId: '18' }, { ...batch, batchId: '18' }, { ...batch, sender: 'pod-b' }]);
      expect(group.map((r) => (r instanceof ShadowtwinError ? r.code : r.duplicate))).toEqual([false, true, false]);
      s.close();
      s = store();
      expect(s.appendWindows(batch).duplicate).toBe(true);
      expect(s.rawWindows('checkout', { from: 0, to: T0 + HOUR })).toHaveLength(3);
      expect(codeOfSync(() => s.appendWindows({ windows: [], sender: 'pod-a' }))).toBe('ST_ERR_INPUT_FORMAT');
      // Remembered for retention.batchIdsMs (a day by default), then forgotten.
      now = T0 + 25 * HOUR;
      expect(s.prune(now).deleted.batchIds).toBe(3);
      expect(s.appendWindows(batch).duplicate).toBe(false);
    });

    it('refuses absurd windows: above maxWindowBytes, and beyond the contract\'s bounds', () => {
      const s = store({ maxWindowBytes: 20_000 });
      const big = sampleWindow({ start: T0, routes: 200 });
      let err: ShadowtwinError | undefined;
      try { s.appendWindows([sampleWindow({ start: T0 }), big]); } catch (e) { err = e as ShadowtwinError; }
      expect(err?.code).toBe('ST_ERR_STORE_DOCUMENT_TOO_LARGE');
      expect(err?.message).toMatch(/window 1 of the batch \(checkout\/pod-a\) is \d+ bytes of JSON, above the store's 20000/);
      const huge = sampleWindow({ start: T0 });
      huge.routes = Array.from({ length: 10_001 }, () => huge.routes[0]!);
      expect(codeOfSync(() => s.appendWindows([huge]))).toBe('ST_ERR_INPUT_FORMAT');
      expect(s.rawWindows('checkout', { from: 0, to: T0 + HOUR })).toEqual([]);
    });

    it('lists pods per service with lastSeen (the controller clock) and the end of their latest window', () => {
      const s = store();
      s.appendWindows([sampleWindow({ pod: 'a', start: T0 }), sampleWindow({ pod: 'b', start: T0 })]);
      now = T0 + 5000;
      s.appendWindows([sampleWindow({ pod: 'a', start: T0 + 1000 }), sampleWindow({ service: 'cart', pod: 'c', start: T0 })]);
      expect(s.services()).toEqual(['cart', 'checkout']);
      expect(s.pods('checkout')).toEqual([
        { service: 'checkout', pod: 'a', role: 'primary', firstSeen: T0, lastSeen: T0 + 5000, lastWindowEnd: T0 + 2000 },
        { service: 'checkout', pod: 'b', role: 'primary', firstSeen: T0, lastSeen: T0, lastWindowEnd: T0 + 1000 },
      ]);
    });

    it('sums the rate across pods per step, role primary only', () => {
      const s = store();
      const batch: WindowDocument[] = [];
      for (let i = 0; i < 20; i++) {
        batch.push(sampleWindow({ pod: 'a', start: T0 + i * 1000, routes: 2, perRoute: 5 }));
        batch.push(sampleWindow({ pod: 'b', start: T0 + i * 1000, routes: 2, perRoute: 10 }));
        batch.push(sampleWindow({ pod: 'a', role: 'secondary', start: T0 + i * 1000, routes: 2, perRoute: 100 }));
      }
      s.appendWindows(batch);
      now = T0 + 30_000;
      const series = s.rateSeries('checkout', { from: T0, to: T0 + 20_000, stepMs: 10_000 });
      expect(series.resolution).toEqual({ name: 'raw', bucketMs: undefined });
      // 10 windows per step per pod: (10 + 20) requests per window-second → 30 req/s; every 10th request of pod b's routes is a 503.
      expect(series.points).toEqual([
        { start: T0, requests: 300, errors: 20, rate: 30 },
        { start: T0 + 10_000, requests: 300, errors: 20, rate: 30 },
      ]);
      expect(s.rateSeries('checkout', { from: T0, to: T0 + 20_000, stepMs: 10_000, role: 'secondary' }).points[0]!.rate).toBe(200);
    });

    it('merges a service\'s windows for a range exactly as mergeWindows does', () => {
      const s = store();
      const ws = [0, 1, 2, 3].flatMap((i) => [sampleWindow({ pod: 'a', start: T0 + i * 1000 }), sampleWindow({ pod: 'b', start: T0 + i * 1000, seed: i + 7 })]);
      s.appendWindows(ws);
      const merged = s.mergedWindow('checkout', { from: T0 + 1000, to: T0 + 3000 });
      const expected = mergeWindows(ws.filter((w) => w.start >= T0 + 1000 && w.start < T0 + 3000));
      expect(mergedShape(merged)).toEqual(mergedShape(expected));
      expect(merged?.source).toEqual({ service: 'checkout', pod: '*', role: 'primary' });
      expect([merged?.start, merged?.end]).toEqual([T0 + 1000, T0 + 3000]);
      expect(s.mergedWindow('checkout', { from: T0 + HOUR, to: T0 + 2 * HOUR })).toBeUndefined();
    });
  });

  describe('rollups and retention', () => {
    const retention = { rawMs: HOUR, tiers: [{ bucketMs: MIN, keepMs: 6 * HOUR }, { bucketMs: HOUR, keepMs: 48 * HOUR }], rollupGraceMs: MIN, eventsMs: HOUR, podsMs: 2 * HOUR, documents: { 'shadowtwin.run-report': HOUR }, batchRows: 7 };

    /** Every window of 3 minutes from two pods, 10 s apart. */
    function threeMinutes(): WindowDocument[] {
      const out: WindowDocument[] = [];
      for (let t = T0; t < T0 + 3 * MIN; t += 10_000) out.push(sampleWindow({ pod: 'a', start: t, end: t + 10_000 }), sampleWindow({ pod: 'b', start: t, end: t + 10_000, seed: t % 101 }));
      return out;
    }

    /** Prunes until nothing is left to do, as the controller's timer does (each call bounded). */
    function pruneAll(s: ControllerStore): { calls: number; rolled: number; windows: number; rollups: number } {
      const total = { calls: 0, rolled: 0, windows: 0, rollups: 0 };
      for (;;) {
        const r = s.prune(now);
        total.calls++; total.rolled += r.rolled; total.windows += r.deleted.windows; total.rollups += r.deleted.rollups;
        expect(r.folded).toBeLessThanOrEqual(7);
        expect(r.deleted.windows).toBeLessThanOrEqual(7);
        if (!r.more) return total;
        if (total.calls > 1000) throw new Error('prune never finished');
      }
    }

    it('rolls windows into minute buckets, reads old ranges from them exactly, and deletes raw windows only after raw retention', () => {
      const s = store({ retention });
      const ws = threeMinutes();
      s.appendWindows(ws);
      const exact = mergedShape(mergeWindows(ws));
      now = T0 + 3 * MIN + MIN; // every bucket ended a grace ago
      const first = pruneAll(s);
      expect(first.calls).toBeGreaterThan(1); // bounded: 36 windows at 7 rows a call
      expect(first.rolled).toBe(36);
      expect(first.windows).toBe(0); // still within raw retention
      expect(s.stats().rows).toMatchObject({ windows: 36, rollups: 3 });

      now = T0 + 2 * HOUR; // beyond raw retention: the range is read from minute rollups
      expect(s.resolutionFor(T0)).toEqual({ name: 'rollup', bucketMs: MIN });
      expect(mergedShape(s.mergedWindow('checkout', { from: T0, to: T0 + 3 * MIN }))).toEqual(exact);
      const before = s.rateSeries('checkout', { from: T0, to: T0 + 3 * MIN });
      const second = pruneAll(s);
      expect(second.windows).toBe(36);
      // 3 minute rows, and the hour they fall in (it ended a grace ago) rolled from them.
      expect(s.stats().rows).toMatchObject({ windows: 0, rollups: 4 });
      expect(mergedShape(s.mergedWindow('checkout', { from: T0, to: T0 + 3 * MIN }))).toEqual(exact);
      const after = s.rateSeries('checkout', { from: T0, to: T0 + 3 * MIN });
      expect(after).toEqual(before);
      expect(after.points.map((p) => p.requests)).toEqual([180, 180, 180]); // 12 windows × 3 routes × 5 per minute
      expect(after.points[0]!.rate).toBe(3);

      // Past the minute tier's retention: the hour tier answers, with the same total; minute rows go once rolled.
      now = T0 + 7 * HOUR;
      pruneAll(s);
      expect(s.stats().rows).toMatchObject({ windows: 0, rollups: 1 });
      expect(s.resolutionFor(T0)).toEqual({ name: 'rollup', bucketMs: HOUR });
      expect(mergedShape(s.mergedWindow('checkout', { from: T0, to: T0 + 3 * MIN }))).toEqual(exact);
      // And the last tier ages out.
      now = T0 + 50 * HOUR;
      pruneAll(s);
      expect(s.stats().rows).toMatchObject({ windows: 0, rollups: 0 });
    });

    it('counts a window that arrives after its bucket was rolled exactly once (a delta row), before and after raw retention', () => {
      const s = store({ retention });
      const ws = threeMinutes();
      s.appendWindows(ws);
      now = T0 + 5 * MIN;
      pruneAll(s);
      const late = sampleWindow({ pod: 'late', start: T0 + 30_000, routes: 4, perRoute: 9 });
      s.appendWindows([late]);
      const exact = mergedShape(mergeWindows([...ws, late]));
      now = T0 + 2 * HOUR;
      expect(mergedShape(s.mergedWindow('checkout', { from: T0, to: T0 + 3 * MIN }))).toEqual(exact); // late one still raw, unrolled
      pruneAll(s);
      expect(s.stats().rows).toMatchObject({ windows: 0, rollups: 4 });
      expect(mergedShape(s.mergedWindow('checkout', { from: T0, to: T0 + 3 * MIN }))).toEqual(exact);
      expect(s.rateSeries('checkout', { from: T0, to: T0 + 3 * MIN }).points[0]!.requests).toBe(180 + 36);
      // Past minute retention: the hour row holds it once too.
      now = T0 + 7 * HOUR;
      pruneAll(s);
      expect(s.rateSeries('checkout', { from: T0, to: T0 + 3 * MIN }).points.map((p) => p.requests)).toEqual([3 * 180 + 36]);
      expect(mergedShape(s.mergedWindow('checkout', { from: T0, to: T0 + 3 * MIN }))).toEqual(exact);
    });

    it('a prune call stops at its time budget (here 0: one row a call) and says there is more; the buckets come out whole', () => {
      const s = store({ retention: { ...retention, batchRows: 2000 } });
      const ws = threeMinutes();
      s.appendWindows(ws);
      now = T0 + 5 * MIN;
      let calls = 0;
      let rolled = 0;
      for (;;) {
        const r = s.prune(now, 0);
        calls++;
        expect(r.folded).toBeLessThanOrEqual(1);
        rolled += r.rolled;
        if (!r.more) break;
        if (calls > 1000) throw new Error('prune never finished');
      }
      expect(calls).toBeGreaterThanOrEqual(36);
      expect(rolled).toBe(36); // every window into its minute; no hour has ended yet
      expect(s.stats().rows.rollups).toBe(3);
      now = T0 + 2 * HOUR;
      expect(mergedShape(s.mergedWindow('checkout', { from: T0, to: T0 + 3 * MIN }))).toEqual(mergedShape(mergeWindows(ws)));
    });

    it('a window whose HDR payload does not decode cannot block rollups or retention: it is set aside and counted', () => {
      const s = store({ retention });
      const ws = threeMinutes();
      const bad = sampleWindow({ pod: 'bad', start: T0 + 20_000 });
      bad.routes[1] = { ...bad.routes[1]!, histogram: 'bm90IGFuIEhEUiBoaXN0b2dyYW0=' };
      s.appendWindows([...ws, bad]); // the contract checks shape, not that each histogram decodes: the receiver does
      now = T0 + 5 * MIN;
      expect(codeOfSync(() => s.mergedWindow('checkout', { from: T0, to: T0 + MIN }))).toBe('ST_ERR_HISTOGRAM_DECODE');
      let skipped = 0;
      for (let i = 0; i < 100; i++) { const r = s.prune(now); skipped += r.skipped; if (!r.more) break; }
      expect(skipped).toBe(1);
      expect(mergedShape(s.mergedWindow('checkout', { from: T0, to: T0 + 3 * MIN }))).toEqual(mergedShape(mergeWindows(ws)));
      now = T0 + 2 * HOUR;
      for (let i = 0; i < 100; i++) if (!s.prune(now).more) break;
      expect(s.stats().rows.windows).toBe(0);
      expect(mergedShape(s.mergedWindow('checkout', { from: T0, to: T0 + 3 * MIN }))).toEqual(mergedShape(mergeWindows(ws)));
    });

    it('prunes events, pods and documents of listed kinds by age; other documents are kept', () => {
      const s = store({ retention });
      s.appendEvents([{ kind: 'pod.joined', service: 'checkout', payload: { pod: 'a' } }, { kind: 'drift', service: 'checkout' }]);
      s.appendWindows([sampleWindow({ start: T0 })]);
      s.putDocument('run-1', { kind: 'shadowtwin.run-report', version: 1, body: 'r' });
      s.putDocument('checkout', { kind: 'shadowtwin.scale-state', version: 1, replicas: 3 });
      now = T0 + 30 * MIN;
      s.appendEvent({ kind: 'refit', service: 'checkout' });
      now = T0 + HOUR + MIN;
      const r = s.prune(now);
      expect(r.deleted).toMatchObject({ events: 2, pods: 0, documents: 1 });
      expect(s.eventsSince(0).map((e) => e.kind)).toEqual(['refit']);
      expect(s.getDocument('shadowtwin.run-report', 'run-1')).toBeUndefined();
      expect(s.getDocument('shadowtwin.scale-state', 'checkout')?.doc).toEqual({ kind: 'shadowtwin.scale-state', version: 1, replicas: 3 });
      now = T0 + 3 * HOUR;
      expect(s.prune(now).deleted.pods).toBe(1);
      expect(s.pods()).toEqual([]);
    });
  });

  describe('events and documents', () => {
    it('appends events with increasing ids and reads them after an id, filtered by service or kind', () => {
      const s = store();
      const ids = s.appendEvents([{ kind: 'pod.joined', service: 'a', payload: { pod: 'p1' } }, { kind: 'pod.gone', service: 'b', at: T0 - 5 }]);
      expect(ids).toEqual([1, 2]);
      expect(s.appendEvent({ kind: 'drift', service: 'a', payload: { js: 0.4 } })).toBe(3);
      expect(s.eventsSince(1)).toEqual([
        { id: 2, at: T0 - 5, kind: 'pod.gone', service: 'b', payload: {} },
        { id: 3, at: T0, kind: 'drift', service: 'a', payload: { js: 0.4 } },
      ]);
      expect(s.eventsSince(0, 10, { service: 'a' }).map((e) => e.id)).toEqual([1, 3]);
      expect(s.eventsSince(0, 1).map((e) => e.id)).toEqual([1]);
      expect(s.lastEventId()).toBe(3);
      expect(codeOfSync(() => s.appendEvents([{ kind: 'ok' }, { kind: '' }]))).toBe('ST_ERR_INPUT_FORMAT');
      expect(s.lastEventId()).toBe(3);
    });

    it('keeps the latest document per kind and key, validates through a contract, and refuses a newer version on read', () => {
      const s = store({ maxDocumentBytes: 50_000 });
      s.putDocument('p-1', { kind: 'shadowtwin.proposal', version: 1, replicas: 4 });
      now = T0 + 1;
      s.putDocument('p-1', { kind: 'shadowtwin.proposal', version: 1, replicas: 5 });
      now = T0 + 2;
      s.putDocument('p-2', { kind: 'shadowtwin.proposal', version: 1, replicas: 6 });
      expect(s.listDocuments('shadowtwin.proposal').map((d) => [d.key, d.updatedAt, (d.doc as { replicas: number }).replicas])).toEqual([['p-2', T0 + 2, 6], ['p-1', T0 + 1, 5]]);
      expect(s.deleteDocument('shadowtwin.proposal', 'p-2')).toBe(true);
      expect(s.deleteDocument('shadowtwin.proposal', 'p-2')).toBe(false);
      // With a contract: bad documents are refused before they are stored.
      const w = sampleWindow({ start: T0 });
      s.putDocument('last', w, WINDOW_CONTRACT);
      expect(mergedShape(s.getDocument('shadowtwin.window', 'last', WINDOW_CONTRACT)?.doc)).toEqual(mergedShape(w));
      expect(codeOfSync(() => s.putDocument('bad', { ...w, start: -1 }, WINDOW_CONTRACT))).toBe('ST_ERR_INPUT_FORMAT');
      s.putDocument('newer', { ...w, version: 2 } as unknown as WindowDocument);
      expect(codeOfSync(() => s.getDocument('shadowtwin.window', 'newer', WINDOW_CONTRACT))).toBe('ST_ERR_CONTRACT_VERSION');
      expect(codeOfSync(() => s.putDocument('big', { kind: 'shadowtwin.model', version: 1, blob: 'x'.repeat(60_000) }))).toBe('ST_ERR_STORE_DOCUMENT_TOO_LARGE');
      expect(codeOfSync(() => s.putDocument('', { kind: 'shadowtwin.model', version: 1 }))).toBe('ST_ERR_INPUT_FORMAT');
    });
  });

  describe('failure honesty', () => {
    it('a full database (SQLITE_FULL at the size limit) fails the write with ST_ERR_STORE_UNWRITABLE, stores nothing of it, and health says so until a write succeeds', () => {
      const s = store({ maxBytes: 256 * 1024 });
      s.putDocument('ballast', { kind: 'shadowtwin.model', version: 1, blob: 'x'.repeat(120_000) });
      let stored = 0;
      let err: ShadowtwinError | undefined;
      for (let i = 0; i < 200 && !err; i++) {
        try { s.appendWindows([sampleWindow({ start: T0 + i * 1000, routes: 10, perRoute: 20 })]); stored++; } catch (e) { err = e as ShadowtwinError; }
      }
      expect(err?.code).toBe('ST_ERR_STORE_UNWRITABLE');
      expect(err?.message).toMatch(/is full .*nothing was stored/);
      const health = s.health();
      expect(health).toMatchObject({ ok: false, code: 'ST_ERR_STORE_UNWRITABLE' });
      expect(s.rawWindows('checkout', { from: 0, to: T0 + HOUR })).toHaveLength(stored);
      // Space comes back: writes succeed and health recovers.
      s.deleteDocument('shadowtwin.model', 'ballast');
      expect(s.health().ok).toBe(true);
      s.appendWindows([sampleWindow({ start: T0 + 999_000, routes: 10, perRoute: 20 })]);
      expect(s.rawWindows('checkout', { from: 0, to: T0 + HOUR })).toHaveLength(stored + 1);
    });

    it('reads and writes after close are refused, not crashes', () => {
      const s = store();
      s.close();
      expect(codeOfSync(() => s.appendWindows([]))).toBe('ST_ERR_INTERNAL');
    });
  });
});
