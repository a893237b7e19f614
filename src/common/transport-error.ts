/**
 * What went wrong below HTTP, in one vocabulary for the sidecar's forwarding,
 * the shadow writer and the generator (each maps it to its own outcome:
 * a proxy error code, a breaker decision, a report outcome).
 */
export type TransportFailure =
  | 'timeout' // no response (headers or body) in time
  | 'connect_timeout' // the connection never opened in time
  | 'reset' // the connection broke mid-exchange
  | 'refused' // nothing listens there
  | 'unreachable' // no route, no such host
  | 'aborted' // we aborted it (a stop, a deadline of ours)
  | 'client_aborted' // the client that asked went away
  | 'bad_request' // the request could not be built or sent as given
  | 'other';

const KINDS: Record<string, TransportFailure> = {
  UND_ERR_HEADERS_TIMEOUT: 'timeout', UND_ERR_BODY_TIMEOUT: 'timeout', ETIMEDOUT: 'timeout', ST_TIMEOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'connect_timeout', ST_CONNECT_TIMEOUT: 'connect_timeout',
  ECONNRESET: 'reset', EPIPE: 'reset', UND_ERR_SOCKET: 'reset', UND_ERR_CLOSED: 'reset',
  ECONNREFUSED: 'refused',
  ENOTFOUND: 'unreachable', EHOSTUNREACH: 'unreachable', ENETUNREACH: 'unreachable', EAI_AGAIN: 'unreachable', EADDRNOTAVAIL: 'unreachable',
  UND_ERR_ABORTED: 'aborted', ABORT_ERR: 'aborted', ST_ABORTED: 'aborted', UND_ERR_DESTROYED: 'aborted',
  ST_CLIENT_ABORTED: 'client_aborted',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'bad_request', UND_ERR_INVALID_ARG: 'bad_request', UND_ERR_NOT_SUPPORTED: 'bad_request',
};

/** The failure an error code (Node, undici or our ST_*) stands for. */
export function transportFailure(code: string | undefined): TransportFailure {
  return (code !== undefined && KINDS[code]) || 'other';
}

/** The request provably never reached the upstream: retrying it elsewhere is safe. */
export function neverSent(kind: TransportFailure): boolean {
  return kind === 'refused' || kind === 'connect_timeout' || kind === 'unreachable';
}

/** The upstream could not be reached at all (as opposed to answering badly): what opens a circuit breaker. */
export function unreachable(kind: TransportFailure): boolean {
  return neverSent(kind) || kind === 'reset';
}
