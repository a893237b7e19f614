import { SCALE_RECORD_KIND, type ScaleRecordDocument } from '../common/index.js';
import type { ScaleRecord } from './scale-round.js';

/** A round's record as the `shadowtwin.scale-record` document (validation runs summarised). */
export function scaleRecordDocument(rec: ScaleRecord, startedAt: number, decidedAt: number): ScaleRecordDocument {
  return {
    kind: SCALE_RECORD_KIND, version: 1,
    proposal: { ...rec.proposal },
    validation: rec.attempts.map((a) => ({ replicas: a.replicas, pass: a.pass, failed: [...a.failed], requests: a.summary.requests, errors: a.summary.errors, achievedRate: a.summary.achievedRate, p99Ms: a.summary.latencyMs.p99 })),
    decision: rec.decision,
    ...(rec.applied !== undefined ? { applied: rec.applied } : {}),
    startedAt, decidedAt,
  };
}
