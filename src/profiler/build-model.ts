import { SkipReport } from '../common/capture-reader.js';
import { readObservationBatches, type InputFormat } from './ingest/read-observations.js';
import type { NginxJsonFieldMap } from './ingest/nginx-json.js';
import { ModelBuilder, type BuildOptions } from './model/model-builder.js';
import type { RequestModel } from './model/request-model.js';

export interface ModelInput {
  file: string;
  format: InputFormat;
  fields?: NginxJsonFieldMap;
}

/** Builds a request model from inputs (streaming; bad lines skipped and reported in provenance). */
export async function buildModel(inputs: readonly ModelInput[], opts: BuildOptions = {}): Promise<{ model: RequestModel; skips: SkipReport[] }> {
  const builder = new ModelBuilder(opts);
  const skips: SkipReport[] = [];
  for (const input of inputs) {
    const s = new SkipReport();
    const before = builder.recordCount;
    for await (const batch of readObservationBatches(input.file, input.format, s, input.fields, (h) => builder.noteCaptureKeys(h.keys))) for (const o of batch) builder.add(o);
    builder.noteInput(input.file, input.format, builder.recordCount - before, s);
    skips.push(s);
  }
  return { model: builder.build(), skips };
}
