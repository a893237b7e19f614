import type { z } from 'zod';
import { ShadowtwinError } from '../errors.js';

/** One shape problem of a document: where (`path`, as zod reports it) and what. */
export interface ShapeProblem {
  path: ReadonlyArray<PropertyKey>;
  message: string;
}

/**
 * Why a document was refused, for a contract that words its own messages
 * (`Contract.refusal`): the code is always `readDocument`'s.
 */
export type Refusal =
  | { kind: 'not-an-object' }
  | { kind: 'other-kind'; found: unknown }
  | { kind: 'version'; found: unknown; newer: boolean }
  | { kind: 'shape'; problems: ShapeProblem[] };

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
  /** Schemas of the older versions it reads: an older document is validated by its own before `upgrade` sees it. */
  older?: Readonly<Record<number, z.ZodType<unknown>>>;
  /** Upgrades an older version's validated document to the current shape. */
  upgrade?(doc: unknown, from: number): unknown;
  /**
   * The document's own wording of a refusal (a message that names `where`);
   * absent: the generic wording. Documents that had messages before the
   * contracts keep them this way.
   */
  refusal?(why: Refusal, where: string): string;
}

/** The version a document claims, whatever its shape. */
function headerOf(doc: unknown): { kind: unknown; version: unknown } {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return { kind: undefined, version: undefined };
  const d = doc as Record<string, unknown>;
  return { kind: d.kind, version: d.version };
}

const isObject = (doc: unknown): boolean => doc !== null && typeof doc === 'object' && !Array.isArray(doc);

/** "version 1", "versions 1, 3" or "versions 1 to 3". */
export function versionsRead(reads: readonly number[]): string {
  if (reads.length === 1) return `version ${reads[0]}`;
  const sorted = [...reads].sort((a, b) => a - b);
  const contiguous = sorted.every((v, i) => i === 0 || v === sorted[i - 1]! + 1);
  return `versions ${contiguous ? `${sorted[0]} to ${sorted[sorted.length - 1]}` : sorted.join(', ')}`;
}

/** A problem's path as `a.b.0.c` (`(document)` for the root). */
export const pathText = (path: ReadonlyArray<PropertyKey>): string => (path.length ? path.map(String).join('.') : '(document)');

function genericRefusal<T>(contract: Contract<T>, why: Refusal, where: string): string {
  switch (why.kind) {
    case 'not-an-object':
      return `${where} is not ${contract.describe}: it is not a JSON object`;
    case 'other-kind':
      return `${where} is not ${contract.describe}: its kind is ${JSON.stringify(why.found)}, expected "${contract.kind}"`;
    case 'version':
      return `${where} is ${contract.kind} version ${JSON.stringify(why.found)}; this shadowtwin reads ${versionsRead(contract.reads)}`
        + (why.newer ? ': it was written by a newer shadowtwin; upgrade this one' : '');
    case 'shape': {
      const problems = why.problems.slice(0, 10).map((i) => `${pathText(i.path)}: ${i.message}`);
      const more = why.problems.length > 10 ? ` (and ${why.problems.length - 10} more)` : '';
      return `${where} is not a valid ${contract.describe.replace(/^an? /, '')}: ${problems.join('; ')}${more}`;
    }
  }
}

/**
 * Validates `doc` as `contract` read from `where`: ST_ERR_INPUT_FORMAT for a
 * different kind or a bad shape (every problem listed, at most 10),
 * ST_ERR_CONTRACT_VERSION for a version this shadowtwin does not read
 * (saying "upgrade" when a newer one wrote it). An older version is checked
 * against its own schema, upgraded, then checked as the current one.
 */
export function readDocument<T>(contract: Contract<T>, doc: unknown, where: string): T {
  const refuse = (code: 'ST_ERR_INPUT_FORMAT' | 'ST_ERR_CONTRACT_VERSION', why: Refusal): never => {
    throw new ShadowtwinError(code, contract.refusal ? contract.refusal(why, where) : genericRefusal(contract, why, where));
  };
  if (!isObject(doc)) refuse('ST_ERR_INPUT_FORMAT', { kind: 'not-an-object' });
  const { kind, version } = headerOf(doc);
  if (kind !== contract.kind) refuse('ST_ERR_INPUT_FORMAT', { kind: 'other-kind', found: kind });
  if (typeof version !== 'number' || !contract.reads.includes(version)) {
    refuse('ST_ERR_CONTRACT_VERSION', { kind: 'version', found: version, newer: typeof version === 'number' && version > contract.version });
  }
  const checked = (schema: z.ZodType<unknown>, value: unknown): unknown => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) refuse('ST_ERR_INPUT_FORMAT', { kind: 'shape', problems: parsed.error.issues.map((i) => ({ path: i.path, message: i.message })) });
    return parsed.data;
  };
  let current = doc;
  if (version !== contract.version) {
    const older = contract.older?.[version as number];
    const valid = older ? checked(older, doc) : doc;
    current = contract.upgrade ? contract.upgrade(valid, version as number) : valid;
  }
  return checked(contract.schema, current) as T;
}
