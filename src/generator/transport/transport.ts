import type { GeneratorFault } from '../faults.js';
import type { RequestSpec } from '../sources/request-source.js';

/**
 * How one request ended, reported once by a transport: an error (its `code`:
 * Node, undici or ST_*) or none, the HTTP status (0 without one) and the
 * response body bytes. The shape of Http1Pool's callback, so the raw path
 * passes it through without a wrapper. The load run's one completion path
 * turns it into an outcome and an ST_* code and records it.
 */
export type Settle = (err: { code?: string } | undefined, status: number, resBytes: number) => void;

/** One way of putting requests on the wire (raw HTTP/1.1, undici, a raw one-off connection). */
export interface Transport {
  /** Sends `spec` with `headers` (already merged and checked); calls `settle` exactly once (possibly before returning). */
  send(spec: RequestSpec, headers: Record<string, string>, fault: GeneratorFault | undefined, settle: Settle): void;
  close(): Promise<void>;
}

/** The `malformed-body` fault's body: the first half of the request's (truncated JSON when it has none). */
export function malformedBody(spec: RequestSpec): Buffer {
  return spec.body && spec.body.length > 2 ? spec.body.subarray(0, Math.floor(spec.body.length / 2)) : Buffer.from('{"truncated":');
}

/** Request body bytes a request is counted with (a slow body trickles its bytes and is counted as the request's own). */
export function requestBodyBytes(spec: RequestSpec, fault: GeneratorFault | undefined): number {
  return fault?.kind === 'malformed-body' ? malformedBody(spec).length : spec.body?.length ?? 0;
}
