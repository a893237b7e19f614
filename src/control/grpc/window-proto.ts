import type { EncodedRouteStats } from '../../common/index.js';
import type { WindowDocument, WindowRole, WindowSource } from '../../common/contracts/index.js';
import * as pb from './generated/shadowtwin/v1/window.pb.js';

const ROLE_TO_PROTO: Record<WindowRole, pb.WindowRole> = {
  primary: pb.WindowRole.WINDOW_ROLE_PRIMARY,
  secondary: pb.WindowRole.WINDOW_ROLE_SECONDARY,
  generator: pb.WindowRole.WINDOW_ROLE_GENERATOR,
};

/** A proto role as the contract's word; an unknown one keeps a readable name so the contract check names it. */
function roleFromProto(role: pb.WindowRole): string {
  switch (role) {
    case pb.WindowRole.WINDOW_ROLE_PRIMARY: return 'primary';
    case pb.WindowRole.WINDOW_ROLE_SECONDARY: return 'secondary';
    case pb.WindowRole.WINDOW_ROLE_GENERATOR: return 'generator';
    default: return `unspecified (${role})`;
  }
}

/** A window document as its proto message (field for field; the document is only read). */
export function windowToProto(doc: WindowDocument): pb.WindowDocument {
  const source: pb.WindowSource = { service: doc.source.service, pod: doc.source.pod, role: ROLE_TO_PROTO[doc.source.role] };
  if (doc.source.runId !== undefined) source.runId = doc.source.runId;
  return {
    kind: doc.kind,
    version: doc.version,
    source,
    start: doc.start,
    end: doc.end,
    routes: doc.routes.map((r) => ({
      route: r.route,
      method: r.method,
      requests: r.requests,
      errors: r.errors,
      reqBytes: r.reqBytes,
      resBytes: r.resBytes,
      status: { ...r.status },
      codes: { ...(r.codes ?? {}) },
      latencyMs: { ...r.latencyMs },
      histogram: r.histogram,
    })),
  };
}

/**
 * A proto window as the document it claims to be. The result is unchecked
 * (a sender can put anything in the fields): read it with
 * `readDocument(WINDOW_CONTRACT, …)` before use. An empty `codes` map reads
 * as absent, as `encodeRouteStats` writes it.
 */
export function windowFromProto(msg: pb.WindowDocument): unknown {
  const s = msg.source;
  const source: Partial<Omit<WindowSource, 'role'>> & { role?: string } = s === undefined
    ? {}
    : { service: s.service, pod: s.pod, role: roleFromProto(s.role), ...(s.runId !== undefined ? { runId: s.runId } : {}) };
  return {
    kind: msg.kind,
    version: msg.version,
    source,
    start: msg.start,
    end: msg.end,
    routes: msg.routes.map((r): Partial<EncodedRouteStats> => ({
      route: r.route,
      method: r.method,
      requests: r.requests,
      errors: r.errors,
      reqBytes: r.reqBytes,
      resBytes: r.resBytes,
      status: { ...r.status },
      ...(Object.keys(r.codes).length > 0 ? { codes: { ...r.codes } } : {}),
      ...(r.latencyMs !== undefined ? { latencyMs: { ...r.latencyMs } } : {}),
      histogram: r.histogram,
    })),
  };
}
