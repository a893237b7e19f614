import { Metadata, status as Status, type StatusObject } from '@grpc/grpc-js';
import { ShadowtwinError, tokenMatches } from '../../common/index.js';

/** The gRPC status a ShadowtwinError ends a call with: its code's status, "ST_ERR_…: message", and the code in `x-shadowtwin-error`. */
export function statusOf(err: unknown): Partial<StatusObject> {
  const e = err instanceof ShadowtwinError ? err : new ShadowtwinError('ST_ERR_INTERNAL', (err as Error)?.message ?? String(err));
  const metadata = new Metadata();
  metadata.set('x-shadowtwin-error', e.code);
  return { code: e.grpcStatus as Status, details: `${e.code}: ${e.message}`, metadata };
}

const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

/** Whether call metadata carries `authorization: Bearer <token>` (constant-time compare); always true without a token. */
export function metadataAllowed(metadata: Metadata, token: string | undefined): boolean {
  if (token === undefined) return true;
  const value = metadata.get('authorization')[0];
  const given = typeof value === 'string' ? BEARER.exec(value)?.[1] ?? '' : '';
  return given !== '' && tokenMatches(given, token);
}

/** Call metadata with the bearer token (none without a token). */
export function bearerMetadata(token: string | undefined): Metadata {
  const m = new Metadata();
  if (token !== undefined) m.set('authorization', `Bearer ${token}`);
  return m;
}
