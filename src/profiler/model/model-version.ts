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
