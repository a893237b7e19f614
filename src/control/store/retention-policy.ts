import { ShadowtwinError } from '../../common/errors.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** One downsampled resolution: windows merged per service, role (and run) into buckets of `bucketMs`, kept `keepMs`. */
export interface RollupTier {
  bucketMs: number;
  keepMs: number;
}

/**
 * How long the store keeps what, enforced by `ControllerStore.prune(now)`.
 * Raw windows (per pod, as received) feed the first tier; each tier feeds the
 * next. A row is deleted only once it has been rolled into the next tier, so
 * pruning never loses requests from the coarser history.
 */
export interface RetentionPolicy {
  /** Raw windows, per service/pod/role: window resolution for the last hours. */
  rawMs: number;
  /** Rollups, finest first; each bucket a multiple of the previous one. */
  tiers: RollupTier[];
  /** A bucket is rolled up once it ended this long ago (late windows after that still count: they become a delta row). */
  rollupGraceMs: number;
  /** Events, by `at`. */
  eventsMs: number;
  /** A pod not heard from this long is forgotten by the fleet view's pod list. */
  podsMs: number;
  /** Committed batch ids (sender + batch id), remembered this long to make resends no-ops. */
  batchIdsMs: number;
  /** Documents by kind (e.g. `shadowtwin.run-report`), by last update; kinds not listed are kept (state, models). */
  documents: Record<string, number>;
  /** Rows deleted or rolled per table per `prune` call, so one call never holds the database for long. */
  batchRows: number;
}

export const DEFAULT_RETENTION: Readonly<RetentionPolicy> = Object.freeze({
  rawMs: 3 * HOUR,
  tiers: [{ bucketMs: MINUTE, keepMs: 14 * DAY }, { bucketMs: HOUR, keepMs: 400 * DAY }],
  rollupGraceMs: 2 * MINUTE,
  eventsMs: 30 * DAY,
  podsMs: 14 * DAY,
  batchIdsMs: DAY,
  documents: {},
  batchRows: 2_000,
});

/** The default policy with `partial` over it, checked: ST_ERR_CONFIG_INVALID lists every problem. */
export function retentionPolicy(partial: Partial<RetentionPolicy> = {}): RetentionPolicy {
  const p: RetentionPolicy = { ...DEFAULT_RETENTION, ...partial, tiers: [...(partial.tiers ?? DEFAULT_RETENTION.tiers)], documents: { ...(partial.documents ?? {}) } };
  const problems: string[] = [];
  const positive = (v: number, path: string): void => { if (!(Number.isFinite(v) && v > 0)) problems.push(`${path}: must be a positive number of milliseconds, got ${v}`); };
  positive(p.rawMs, 'retention.rawMs');
  positive(p.eventsMs, 'retention.eventsMs');
  positive(p.podsMs, 'retention.podsMs');
  positive(p.batchIdsMs, 'retention.batchIdsMs');
  if (!(Number.isFinite(p.rollupGraceMs) && p.rollupGraceMs >= 0)) problems.push(`retention.rollupGraceMs: must be ≥ 0 ms, got ${p.rollupGraceMs}`);
  if (!(Number.isInteger(p.batchRows) && p.batchRows >= 1)) problems.push(`retention.batchRows: must be an integer ≥ 1, got ${p.batchRows}`);
  if (p.tiers.length === 0) problems.push('retention.tiers: at least one rollup tier is needed (raw windows are rolled up before they are pruned)');
  p.tiers.forEach((t, i) => {
    positive(t.keepMs, `retention.tiers.${i}.keepMs`);
    if (!(Number.isInteger(t.bucketMs) && t.bucketMs >= 1000)) problems.push(`retention.tiers.${i}.bucketMs: must be a whole number of ms ≥ 1000, got ${t.bucketMs}`);
    const prev = p.tiers[i - 1];
    if (prev && !(t.bucketMs > prev.bucketMs && t.bucketMs % prev.bucketMs === 0)) {
      problems.push(`retention.tiers.${i}.bucketMs: must be a multiple of the previous tier's ${prev.bucketMs} ms and larger, got ${t.bucketMs}`);
    }
  });
  for (const [kind, ms] of Object.entries(p.documents)) positive(ms, `retention.documents.${kind}`);
  if (problems.length) throw new ShadowtwinError('ST_ERR_CONFIG_INVALID', `store retention is invalid: ${problems.join('; ')}`, { details: problems });
  return p;
}
