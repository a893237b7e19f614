/**
 * Any JSON given to any contract's reader is either accepted or refused
 * with a ShadowtwinError: never a TypeError or another exception. Inputs are
 * noise, and real documents with one value anywhere in them replaced (so the
 * generator reaches past the kind and version checks), at any version.
 */
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { isShadowtwinError, readDocument } from '../../../../src/common/index.js';
import { CASES } from './documents.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = process.env.FUZZ_SEED === 'random' ? undefined : Number(process.env.FUZZ_SEED ?? 20261202);

type Json = unknown;

/** Every path into `doc` (object keys and array indices; arrays sampled at their first two items), up to `depth`. */
function pathsOf(doc: Json, depth = 6, at: Array<string | number> = []): Array<Array<string | number>> {
  if (depth === 0 || doc === null || typeof doc !== 'object') return [];
  const keys: Array<string | number> = Array.isArray(doc) ? doc.slice(0, 2).map((_, i) => i) : Object.keys(doc);
  return keys.flatMap((k) => [[...at, k], ...pathsOf((doc as Record<string | number, Json>)[k], depth - 1, [...at, k])]);
}

function replaced(doc: Json, path: ReadonlyArray<string | number>, value: Json, remove: boolean): Json {
  const copy = structuredClone(doc) as Record<string | number, Json>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (remove && !Array.isArray(o)) delete o[last];
  else o[last] = value;
  return copy;
}

function holds(read: () => unknown): void {
  try {
    read();
  } catch (err) {
    if (isShadowtwinError(err)) return;
    throw err;
  }
}

describe.each(CASES)('the $name reader, for any JSON', (c) => {
  let valid: Json;
  let paths: Array<Array<string | number>>;
  beforeAll(async () => {
    valid = JSON.parse(JSON.stringify(await c.build())) as Json;
    paths = pathsOf(valid);
  });

  it('accepts or throws a ShadowtwinError: noise', () => {
    const noise = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ kind: fc.constantFrom(c.contract.kind, 'x'), version: fc.oneof(fc.constantFrom(...c.contract.reads), fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: [] })
        .chain((head) => fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 })).map((rest) => ({ ...rest, ...head }))),
    );
    fc.assert(fc.property(noise, (doc) => holds(() => readDocument(c.contract, doc, 'doc.json'))), { numRuns: RUNS, seed: SEED });
  });

  it('accepts or throws a ShadowtwinError: a real document with one value replaced or removed, at any version it reads', () => {
    fc.assert(fc.property(fc.nat(), fc.jsonValue({ maxDepth: 2 }), fc.boolean(), fc.constantFrom(...c.contract.reads), (i, value, remove, version) => {
      const path = paths[i % paths.length]!;
      const doc = replaced(valid, path, value, remove) as Record<string, Json>;
      holds(() => readDocument(c.contract, doc, 'doc.json'));
      holds(() => readDocument(c.contract, path[0] === 'version' ? doc : { ...doc, version }, 'doc.json'));
    }), { numRuns: RUNS, seed: SEED });
  });
});
