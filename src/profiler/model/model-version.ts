import { ShadowtwinError } from '../../common/errors.js';
import { encodeCounts, sparseFromDense } from './count-runs.js';
import type { RateModel, RateModelV1, RequestModel, RequestModelV1 } from './request-model.js';

/** The version `profile build` writes; readers accept every version up to it. */
export const MODEL_VERSION = 2;

/** Version 1 stored dense arrays; version 2 stores the same counts as runs of populated slots. */
function upgradeRate(r: RateModelV1): RateModel {
  const first = Math.round(r.start / r.stepMs);
  const counts = Array.isArray(r.counts) ? r.counts : [];
  const secs = r.seconds && Array.isArray(r.seconds.counts) ? r.seconds : { start: 0, counts: [] };
  return {
    stepMs: r.stepMs,
    steps: encodeCounts(sparseFromDense(first, counts), r.stepMs),
    seconds: encodeCounts(sparseFromDense(secs.start, secs.counts), 1000),
    hourOfDay: r.hourOfDay, dayOfWeek: r.dayOfWeek, dispersion: r.dispersion,
  };
}

/** The current form of a model read from disk (version 1 is upgraded in memory; the current version is returned as is). */
export function upgradeModel(m: RequestModel | RequestModelV1): RequestModel {
  if (m.version === MODEL_VERSION) return m as RequestModel;
  return { ...m, version: MODEL_VERSION, rate: upgradeRate((m as RequestModelV1).rate) };
}

/** Checks that `value` (parsed JSON named `name`) is a request model this version can read, and upgrades it. */
export function requestModelFrom(value: unknown, name: string): RequestModel {
  const m = value as RequestModel | RequestModelV1 | null;
  if (m?.kind !== 'shadowtwin.request-model') throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${name} is not a shadowtwin request model (build one with: shadowtwin profile build)`);
  if (m.version !== 1 && m.version !== MODEL_VERSION) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${name} is a request model of version ${String((m as { version?: unknown }).version)}; this shadowtwin reads versions 1 to ${MODEL_VERSION} (upgrade shadowtwin, or rebuild the model with this one)`);
  if (typeof m.rate !== 'object' || m.rate === null) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${name} has no rate section; rebuild the model with shadowtwin profile build`);
  return upgradeModel(m);
}
