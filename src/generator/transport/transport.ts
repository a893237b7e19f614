import type { GeneratorFault } from '../faults.js';
import type { RequestSpec } from '../sources/request-source.js';

/**
 * How one request ended, reported once by a transport: the HTTP status and
 * response body bytes, or an error code (Node, undici or ST_*; status 0).
 * The load run's one completion path turns it into an outcome and records it.
 */
export type Settle = (status: number, resBytes: number, errorCode: string | undefined) => void;

/** One way of putting requests on the wire (raw HTTP/1.1, undici, a raw one-off connection). */
export interface Transport {
  /** Sends `spec` with `headers` (already merged and checked); calls `settle` exactly once (possibly before returning). */
  send(spec: RequestSpec, headers: Record<string, string>, fault: GeneratorFault | undefined, settle: Settle): void;
  close(): Promise<void>;
}

/** An error's code for `Settle` (errors without one are `ERR_UNKNOWN`: an outcome of "error"). */
export function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'ERR_UNKNOWN';
}

/** The `malformed-body` fault's body: the first half of the request's (truncated JSON when it has none). */
export function malformedBody(spec: RequestSpec): Buffer {
  return spec.body && spec.body.length > 2 ? spec.body.subarray(0, Math.floor(spec.body.length / 2)) : Buffer.from('{"truncated":');
}

/** Request body bytes a request is counted with (a slow body trickles its bytes and is counted as the request's own). */
export function requestBodyBytes(spec: RequestSpec, fault: GeneratorFault | undefined): number {
  return fault?.kind === 'malformed-body' ? malformedBody(spec).length : spec.body?.length ?? 0;
}
