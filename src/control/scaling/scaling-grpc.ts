import { status as Status, type Metadata, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData } from '@grpc/grpc-js';
import { SCALE_RECORD_KIND, ShadowtwinError, type ScaleRecordDocument } from '../../common/index.js';
import type { ControllerEvent, EventLog } from '../events/index.js';
import { metadataAllowed, scalingPb, statusOf } from '../grpc/index.js';
import type { StoredEvent } from '../store/index.js';
import { awaitsApproval, recordId } from './scale-records.js';
import type { ScalingHost } from './scaling-host.js';

const { Decision, ScalingServiceService } = scalingPb;
type Decision = scalingPb.Decision;
type Event = scalingPb.Event;
type Proposal = scalingPb.Proposal;
type ListProposalsRequest = scalingPb.ListProposalsRequest;
type ListProposalsResponse = scalingPb.ListProposalsResponse;
type ProposeRequest = scalingPb.ProposeRequest;
type ApproveRequest = scalingPb.ApproveRequest;
type RejectRequest = scalingPb.RejectRequest;
type WatchEventsRequest = scalingPb.WatchEventsRequest;

function decisionOf(r: ScaleRecordDocument): Decision {
  if (awaitsApproval(r)) return Decision.DECISION_PENDING;
  if (r.decision === 'applied') return Decision.DECISION_APPLIED;
  if (r.decision === 'rejected') return r.review ? Decision.DECISION_REJECTED : Decision.DECISION_GAVE_UP;
  return Decision.DECISION_UNSPECIFIED;
}

/** A stored record as the proto's Proposal (the record itself rides along as the validation document). */
export function proposalMessage(id: string, r: ScaleRecordDocument): Proposal {
  return {
    id, target: r.proposal.target, size: { $case: 'replicas', value: r.proposal.replicas }, expectedRate: r.proposal.expectedRate,
    horizonMs: r.proposal.horizonMs, confidence: r.proposal.confidence, reason: r.proposal.reason,
    validation: { kind: SCALE_RECORD_KIND, version: r.version, json: JSON.stringify(r) },
    decision: decisionOf(r), createdAt: r.startedAt,
  };
}

function eventMessage(e: ControllerEvent | StoredEvent): Event {
  const data = 'data' in e ? e.data : (e.payload ?? {});
  return { id: e.id, at: e.at, type: e.kind, service: e.service ?? '', json: JSON.stringify(data) };
}

function unauthenticated(): ShadowtwinError {
  return new ShadowtwinError('ST_ERR_CONTROL_UNAUTHENTICATED', 'send metadata "authorization: Bearer <token>" (the controller\'s --token)');
}

function required(v: string, what: string): string {
  if (!v) throw new ShadowtwinError('ST_ERR_ADMIN_BAD_REQUEST', `${what} is required (List returns the proposals with their ids and targets)`);
  return v;
}

/** `ScalingService` on the controller's gRPC server: List, Propose, Approve, Reject, WatchEvents; every call needs the token. */
export function createScalingService(o: { scaling: ScalingHost; events: EventLog; backfill(afterId: number, limit: number): StoredEvent[]; token: string | undefined }) {
  const unary = <Req, Res>(fn: (req: Req) => Promise<Res> | Res) => (call: ServerUnaryCall<Req, Res>, done: sendUnaryData<Res>): void => {
    if (!metadataAllowed(call.metadata as Metadata, o.token)) { done(statusOf(unauthenticated())); return; }
    Promise.resolve().then(() => fn(call.request)).then((r) => done(null, r), (err: unknown) => done(statusOf(err)));
  };
  const opened = new Set<ServerWritableStream<WatchEventsRequest, Event>>();
  return {
    definition: ScalingServiceService,
    implementation: {
      list: unary<ListProposalsRequest, ListProposalsResponse>((req) => ({
        proposals: o.scaling.list({ ...(req.target ? { target: req.target } : {}), limit: req.limit || 50 }).map((l) => proposalMessage(l.id, l.record)),
      })),
      propose: unary<ProposeRequest, Proposal>(async (req) => {
        const target = required(req.target, 'target');
        const rec = await o.scaling.propose(target);
        // A round that kept the size is not stored: no id.
        if (rec) return proposalMessage(rec.decision === 'unchanged' ? '' : recordId(rec.service!, target, rec.startedAt), rec);
        const waiting = o.scaling.list({ target, limit: 50 }).find((l) => l.pending);
        if (!waiting) throw new ShadowtwinError('ST_ERR_INTERNAL', `the round of ${target} returned no record`);
        return proposalMessage(waiting.id, waiting.record);
      }),
      approve: unary<ApproveRequest, Proposal>(async (req) => proposalMessage(req.id, await o.scaling.approve(required(req.id, 'id')))),
      reject: unary<RejectRequest, Proposal>(async (req) => {
        const id = required(req.id, 'id');
        return proposalMessage(id, await o.scaling.reject(id, required(req.reason, 'reason')));
      }),
      watchEvents: (call: ServerWritableStream<WatchEventsRequest, Event>): void => {
        if (!metadataAllowed(call.metadata, o.token)) { call.emit('error', statusOf(unauthenticated())); return; }
        opened.add(call);
        let last = call.request.afterId > 0 ? call.request.afterId : o.events.latestId;
        if (call.request.afterId > 0) {
          for (const e of o.backfill(last, 10_000)) { call.write(eventMessage(e)); last = e.id; }
        }
        const unsubscribe = o.events.subscribe((e) => { if (e.id > last) { last = e.id; call.write(eventMessage(e)); } });
        const end = (): void => { unsubscribe(); opened.delete(call); };
        call.on('cancelled', end);
        call.on('close', end);
      },
    },
    closeStreams(): void {
      for (const c of opened) c.emit('error', { code: Status.UNAVAILABLE, details: 'the controller is shutting down' });
    },
  };
}
