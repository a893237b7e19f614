// Pure parts of the controller store, imported file by file: the store's
// index loads better-sqlite3, which test/unit must not (it also runs on Node 24).
import { describe, expect, it } from 'vitest';
import { ShadowtwinError } from '../../../src/common/index.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../src/control/store/migrations.js';
import { DEFAULT_RETENTION, retentionPolicy } from '../../../src/control/store/retention-policy.js';
import { storeFailure } from '../../../src/control/store/store-failure.js';

describe('controller store: migrations, retention policy, failure mapping', () => {
  it('migrations are numbered 1, 2, 3 … and the schema version is the last', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    for (const m of MIGRATIONS) expect(m.describe.length).toBeGreaterThan(0);
  });

  it('defaults: raw 3 h, minute rollups 14 d, hour rollups 400 d; partial overrides keep the rest', () => {
    expect(retentionPolicy()).toEqual({ ...DEFAULT_RETENTION, tiers: [...DEFAULT_RETENTION.tiers], documents: {} });
    expect(DEFAULT_RETENTION.rawMs).toBe(3 * 3_600_000);
    expect(DEFAULT_RETENTION.tiers).toEqual([{ bucketMs: 60_000, keepMs: 14 * 86_400_000 }, { bucketMs: 3_600_000, keepMs: 400 * 86_400_000 }]);
    const p = retentionPolicy({ rawMs: 1000, documents: { 'shadowtwin.run-report': 5 } });
    expect([p.rawMs, p.eventsMs, p.documents]).toEqual([1000, DEFAULT_RETENTION.eventsMs, { 'shadowtwin.run-report': 5 }]);
  });

  it('lists every problem of a bad policy at once', () => {
    let err: ShadowtwinError | undefined;
    try { retentionPolicy({ tiers: [], batchRows: 0, rollupGraceMs: -1, documents: { x: 0 } }); } catch (e) { err = e as ShadowtwinError; }
    expect(err?.code).toBe('ST_ERR_CONFIG_INVALID');
    expect(err?.details).toEqual([
      'retention.rollupGraceMs: must be ≥ 0 ms, got -1',
      'retention.batchRows: must be an integer ≥ 1, got 0',
      'retention.tiers: at least one rollup tier is needed (raw windows are rolled up before they are pruned)',
      'retention.documents.x: must be a positive number of milliseconds, got 0',
    ]);
  });

  it('maps SQLite result codes to store error codes, keeping SQLite\'s words', () => {
    const sqlite = (code: string, message: string): Error => Object.assign(new Error(message), { code });
    const full = storeFailure(sqlite('SQLITE_FULL', 'database or disk is full'), 'storing 3 windows', '/d/controller.db');
    expect([full.code, full.message]).toEqual(['ST_ERR_STORE_UNWRITABLE', expect.stringMatching(/^storing 3 windows failed: \/d\/controller.db is full \(database or disk is full\)/)]);
    expect(storeFailure(sqlite('SQLITE_READONLY_DIRECTORY', 'ro'), 'x', 'f').code).toBe('ST_ERR_STORE_UNWRITABLE');
    expect(storeFailure(sqlite('SQLITE_IOERR_WRITE', 'io'), 'x', 'f').code).toBe('ST_ERR_STORE_UNWRITABLE');
    expect(storeFailure(sqlite('SQLITE_NOTADB', 'file is not a database'), 'x', 'f').code).toBe('ST_ERR_STORE_CORRUPT');
    expect(storeFailure(sqlite('SQLITE_BUSY', 'database is locked'), 'x', 'f').code).toBe('ST_ERR_STORE_LOCKED');
    expect(storeFailure(new TypeError('boom'), 'x', 'f').code).toBe('ST_ERR_INTERNAL');
    const mine = new ShadowtwinError('ST_ERR_INPUT_FORMAT', 'bad');
    expect(storeFailure(mine, 'x', 'f')).toBe(mine);
  });
});
