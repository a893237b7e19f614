import { SkipReport } from '../common/capture-reader.js';
import { ShadowtwinError } from '../common/errors.js';
import type { Observation } from './ingest/observation.js';
import { readObservationBatches, type InputFormat } from './ingest/read-observations.js';
import { TimeFilter } from './ingest/time-filter.js';
import type { NginxJsonFieldMap } from './ingest/nginx-json.js';
import { ModelBuilder, type BuildOptions } from './model/model-builder.js';
import type { RequestModel } from './model/request-model.js';

export interface ModelInput {
  file: string;
  format: InputFormat;
  fields?: NginxJsonFieldMap;
}

/**
 * Builds a request model from inputs (streaming; bad lines skipped and
 * reported in provenance). Inputs without a single usable record are an
 * ST_ERR_INPUT_EMPTY: a model of nothing would say traffic is nothing.
 */
export async function buildModel(inputs: readonly ModelInput[], opts: BuildOptions = {}): Promise<{ model: RequestModel; skips: SkipReport[] }> {
  const builder = new ModelBuilder(opts);
  const skips: SkipReport[] = [];
  // One time filter for all inputs: implausible is judged against the union (a stray old file is an outlier too).
  const times = new TimeFilter();
  for (const input of inputs) {
    const s = new SkipReport();
    for await (const batch of readObservationBatches(input.file, input.format, s, input.fields, { times, onCaptureHeader: (h) => builder.noteCaptureKeys(h.keys) })) for (const o of batch) builder.add(o);
    skips.push(s);
  }
  const held: Observation[] = [];
  times.finish(held);
  for (const o of held) builder.add(o);
  inputs.forEach((input, i) => builder.noteInput(input.file, input.format, times.inputs[i]!.offered - times.inputs[i]!.skipped, skips[i]!));
  if (builder.recordCount === 0) {
    const what = inputs.map((input, i) => {
      const s = skips[i]!;
      const first = s.examples[0];
      const warned = s.warnings.length ? ` (${s.warnings.join('; ')})` : '';
      return `${input.file}: ${s.total ? `all ${s.total} entries skipped (${Object.entries(s.byReason).map(([k, v]) => `${k}: ${v}`).join(', ')})${first ? `, e.g. line ${first.line}: ${first.text.slice(0, 80)}` : ''}` : 'no records'}${warned}`;
    });
    throw new ShadowtwinError('ST_ERR_INPUT_EMPTY', `nothing to model: ${what.join('; ')}; check the paths and --format${skips.some((s) => s.byReason.bad_time) ? ' (bad_time: a time before 2000, over a year ahead, or far from the bulk of the other records)' : ''}`, { details: skips.map((s) => s.toJSON()) });
  }
  return { model: builder.build(), skips };
}
