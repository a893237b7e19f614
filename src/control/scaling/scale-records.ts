import { SCALE_RECORD_CONTRACT, SCALE_RECORD_KIND, ShadowtwinError, type ScaleRecordDocument } from '../../common/index.js';
import type { ControllerStore } from '../store/index.js';

/** A stored scale record with its id (`service:target:startedAt`) and whether it waits for approval. */
export interface ListedRecord { id: string; pending: boolean; record: ScaleRecordDocument }

export function recordId(service: string, target: string, startedAt: number): string {
  return `${service}:${target}:${startedAt}`;
}

/** Waiting for approval: an approve-mode dry run nobody has reviewed yet. */
export function awaitsApproval(r: ScaleRecordDocument): boolean {
  return r.mode === 'approve' && r.decision === 'dry-run' && r.review === undefined;
}

/**
 * The scale records in the store (kind `shadowtwin.scale-record`, keyed by
 * `service:target:startedAt`): every proposal, its validation runs and the
 * decision, and a review when it waited for approval.
 */
export class ScaleRecords {
  constructor(private readonly store: ControllerStore, private readonly keep = 1_000) {}

  put(service: string, rec: ScaleRecordDocument): string {
    const id = recordId(service, rec.proposal.target, rec.startedAt);
    this.store.putDocument(id, { ...rec, service }, SCALE_RECORD_CONTRACT);
    return id;
  }

  get(id: string): ScaleRecordDocument {
    const d = this.store.getDocument(SCALE_RECORD_KIND, id, SCALE_RECORD_CONTRACT);
    if (!d) throw new ShadowtwinError('ST_ERR_CONTROL_PROPOSAL_NOT_FOUND', `no proposal ${JSON.stringify(id)}; GET /api/v1/proposals lists them with their ids`);
    return d.doc;
  }

  /** Newest first, optionally of one service and target. */
  list(o: { service?: string; target?: string; limit?: number } = {}): ListedRecord[] {
    const rows = this.store.listDocuments<ScaleRecordDocument>(SCALE_RECORD_KIND, this.keep, SCALE_RECORD_CONTRACT)
      .filter((d) => (o.service === undefined || d.doc.service === o.service) && (o.target === undefined || d.doc.proposal.target === o.target))
      .sort((a, b) => b.doc.startedAt - a.doc.startedAt);
    return rows.slice(0, o.limit ?? 100).map((d) => ({ id: d.key, pending: awaitsApproval(d.doc), record: d.doc }));
  }
}
