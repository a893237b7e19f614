import { readJsonFile, ShadowtwinError } from '../common/index.js';
import type { CostModel } from './cost-model.js';

export const COST_MODEL_KIND = 'shadowtwin.cost-model';
export const COST_MODEL_VERSION = 1;

/** A cost model as written to disk: the model with its kind and version. */
export type CostModelDocument = CostModel & { kind: typeof COST_MODEL_KIND; version: typeof COST_MODEL_VERSION };

export function costModelDocument(m: CostModel): CostModelDocument {
  return { kind: COST_MODEL_KIND, version: COST_MODEL_VERSION, ...m };
}

const finiteAtLeastZero = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * Checks a parsed cost model (from `cost fit`). Files written before the
 * kind and version were added are accepted when their fields are right.
 * Throws ST_ERR_INPUT_FORMAT naming the file and every problem.
 */
export function parseCostModel(doc: unknown, file: string): CostModel {
  const problems: string[] = [];
  const d = (typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? doc : undefined) as Record<string, unknown> | undefined;
  if (!d) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file} is not a cost model (a JSON object from shadowtwin cost fit)`);
  if (d.kind !== undefined && d.kind !== COST_MODEL_KIND) problems.push(`kind is ${JSON.stringify(d.kind)}, expected "${COST_MODEL_KIND}"`);
  if (d.version !== undefined && d.version !== COST_MODEL_VERSION) problems.push(`version ${JSON.stringify(d.version)} is not supported (this shadowtwin reads version ${COST_MODEL_VERSION}); refit with this version's cost fit`);
  const costs = d.costs;
  if (typeof costs !== 'object' || costs === null || Array.isArray(costs)) problems.push('costs is missing (an object of "METHOD /route": resource per req/s)');
  else {
    const bad = Object.entries(costs).filter(([, v]) => !finiteAtLeastZero(v)).map(([k]) => k);
    if (bad.length) problems.push(`costs of ${bad.slice(0, 3).join(', ')}${bad.length > 3 ? ', …' : ''} are not numbers ≥ 0`);
    if (Object.keys(costs).length === 0) problems.push('costs is empty');
  }
  if (!finiteAtLeastZero(d.base)) problems.push('base is missing or not a number ≥ 0');
  if (problems.length) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file} is not a usable cost model: ${problems.join('; ')}`);
  return { costs: costs as Record<string, number>, base: d.base as number, r2: typeof d.r2 === 'number' ? d.r2 : NaN, samples: typeof d.samples === 'number' ? d.samples : 0 };
}

/** Reads and checks a cost model file; unreadable or malformed files are ShadowtwinErrors. */
export function readCostModel(file: string): CostModel {
  return parseCostModel(readJsonFile(file, 'the cost model written by shadowtwin cost fit'), file);
}
