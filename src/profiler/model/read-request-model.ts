import { z } from 'zod';
import { ShadowtwinError } from '../../common/errors.js';
import { readJsonFile } from '../../common/read-json-file.js';
import { MODEL_VERSION, upgradeModel } from './model-version.js';
import type { RequestModel, RequestModelV1 } from './request-model.js';

export const REQUEST_MODEL_KIND = 'shadowtwin.request-model';
/** The version this build writes; it reads every version from 1 up to it. */
export const REQUEST_MODEL_VERSION = MODEL_VERSION;

const count = z.number().nonnegative().refine(Number.isFinite, 'must be a finite number');
const counts = z.record(z.string(), count);
const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/**
 * The fields every consumer relies on. Objects are loose: a newer minor
 * revision may add optional fields and an older reader keeps working; a new
 * major version is refused by `parseRequestModel` before this runs.
 */
const routeSchema = z.looseObject({
  route: z.string().min(1),
  method: z.string().min(1),
  requests: count,
  weight: z.number().min(0).max(1),
  status: counts,
  reqBytes: z.string(),
  resBytes: z.string(),
  latency: z.string().optional(),
  queryKeySets: counts,
  contentTypes: counts,
  userAgents: counts,
  geo: counts,
  paths: z.array(z.string()),
  exemplars: z.array(z.string()),
});

const encodedCounts = z.looseObject({ start: finite, length: z.number().int().nonnegative(), total: count, runs: z.string() });
/** Version 1 kept dense arrays; version 2 keeps runs of populated slots (`count-runs.ts`). */
const rateV1 = z.looseObject({ stepMs: z.number().positive().refine(Number.isFinite, 'must be a finite number'), start: finite, counts: z.array(count), hourOfDay: z.array(finite), dayOfWeek: z.array(finite) });
const rateV2 = z.looseObject({ stepMs: z.number().positive().refine(Number.isFinite, 'must be a finite number'), steps: encodedCounts, seconds: encodedCounts, hourOfDay: z.array(finite), dayOfWeek: z.array(finite), dispersion: finite });

const modelSchema = (version: number) => z.looseObject({
  kind: z.literal(REQUEST_MODEL_KIND),
  version: z.literal(version),
  provenance: z.looseObject({
    window: z.looseObject({ start: finite, end: finite }),
    records: count,
  }),
  routes: z.array(routeSchema),
  sessions: z.union([z.null(), z.looseObject({ count, length: z.string(), thinkTimeMs: z.string(), start: counts, transitions: z.record(z.string(), counts) })]),
  rate: version === 1 ? rateV1 : rateV2,
  userAgents: counts,
  clients: z.looseObject({ distinct: count }),
});

/**
 * Checks a parsed document as a request model: the kind, a version this
 * build reads, and the shape every command relies on; returns it in the
 * current version (older ones are upgraded in memory). Every problem is
 * listed with its path; the error names the file.
 */
export function parseRequestModel(doc: unknown, file: string): RequestModel {
  const d = doc as { kind?: unknown; version?: unknown } | null;
  if (typeof d !== 'object' || d === null || d.kind !== REQUEST_MODEL_KIND) {
    throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file} is not a shadowtwin request model (build one with: shadowtwin profile build)`);
  }
  if (typeof d.version !== 'number' || !Number.isInteger(d.version) || d.version < 1 || d.version > REQUEST_MODEL_VERSION) {
    throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file} is a request model of version ${JSON.stringify(d.version)}; this shadowtwin reads versions 1 to ${REQUEST_MODEL_VERSION} (upgrade shadowtwin, or rebuild the model with this one)`);
  }
  const r = modelSchema(d.version).safeParse(doc);
  if (!r.success) {
    const problems = r.error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : '(document)'}: ${i.message}`);
    const more = r.error.issues.length > 5 ? `; and ${r.error.issues.length - 5} more` : '';
    throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file} is a damaged request model: ${problems.join('; ')}${more}; rebuild it with shadowtwin profile build`);
  }
  return upgradeModel(doc as RequestModel | RequestModelV1);
}

/** Reads a request model file: the one reader every command uses. */
export function readRequestModel(file: string): RequestModel {
  return parseRequestModel(readJsonFile(file, 'a request model written by shadowtwin profile build'), file);
}
