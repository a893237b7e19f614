import type { z } from 'zod';
import { ShadowtwinError } from '../errors.js';

/**
 * A document that crosses a process boundary (a file, an HTTP body, a gRPC
 * message): it names its `kind` and its major `version`. Readers accept the
 * versions they know and refuse any other with ST_ERR_CONTRACT_VERSION, so an
 * old shadowtwin never misreads a newer document.
 */
export interface Contract<T> {
  /** e.g. `shadowtwin.window` */
  kind: string;
  /** The version this shadowtwin writes. */
  version: number;
  /** Versions it reads (older ones are upgraded by `upgrade`). */
  reads: readonly number[];
  /** What a user should have given, for messages ("a sidecar window (…)"). */
  describe: string;
  schema: z.ZodType<T>;
  /** Upgrades an older version's validated document to the current shape. */
  upgrade?(doc: unknown, from: number): unknown;
}

/** The version a document claims, whatever its shape. */
function headerOf(doc: unknown): { kind: unknown; version: unknown } {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return { kind: undefined, version: undefined };
  const d = doc as Record<string, unknown>;
  return { kind: d.kind, version: d.version };
}

/**
 * Validates `doc` as `contract` read from `where`: ST_ERR_INPUT_FORMAT for a
 * different kind or a bad shape (every problem listed, at most 10),
 * ST_ERR_CONTRACT_VERSION for a version this shadowtwin does not read.
 */
export function readDocument<T>(contract: Contract<T>, doc: unknown, where: string): T {
  const { kind, version } = headerOf(doc);
  if (kind !== contract.kind) {
    throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${where} is not ${contract.describe}: its kind is ${JSON.stringify(kind)}, expected "${contract.kind}"`);
  }
  if (typeof version !== 'number' || !contract.reads.includes(version)) {
    const newer = typeof version === 'number' && version > contract.version;
    throw new ShadowtwinError('ST_ERR_CONTRACT_VERSION',
      `${where} is ${contract.kind} version ${JSON.stringify(version)}; this shadowtwin reads version${contract.reads.length > 1 ? 's' : ''} ${contract.reads.join(', ')}`
      + (newer ? ': it was written by a newer shadowtwin; upgrade this one' : ''));
  }
  const upgraded = version !== contract.version && contract.upgrade ? contract.upgrade(doc, version) : doc;
  const parsed = contract.schema.safeParse(upgraded);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`);
    const more = parsed.error.issues.length > 10 ? ` (and ${parsed.error.issues.length - 10} more)` : '';
    throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${where} is not a valid ${contract.describe}: ${problems.join('; ')}${more}`);
  }
  return parsed.data;
}
