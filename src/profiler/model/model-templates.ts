import { mergeModels } from './merge-models.js';
import type { RequestModel } from './request-model.js';
import { TemplateTable } from '../routes/template-table.js';

/**
 * A model's route templates as a route table (`profile build --routes-from`):
 * profiling a second input with the first model's templates makes the two
 * models' route mixes comparable, where inference on a short or differently
 * shaped input would group paths differently. Every template a model
 * holds is matchable (`:file.png` matches that extension only, `*` one or
 * more segments: see `TemplateTable`); `OPTIONS *` (route `*`) needs none.
 */
export function routeTemplatesOf(model: RequestModel): string[] {
  const out = new Set<string>();
  for (const r of model.routes) {
    if (!r.route.startsWith('/')) continue;
    out.add(r.route);
  }
  return [...out];
}

/**
 * `model` with its routes re-keyed to `templates` where one matches (most
 * literal segments first) and merged (`profile diff --align`): a model
 * built without `--routes-from` made comparable after the fact. Routes that
 * match no template keep theirs. Only the per-route part changes; session
 * transitions keep their original keys.
 */
export function alignRoutes(model: RequestModel, templates: readonly string[]): RequestModel {
  const table = new TemplateTable(templates);
  const renamed: RequestModel = { ...model, routes: model.routes.map((r) => ({ ...r, route: (r.route.startsWith('/') ? table.match(r.route === '/' ? [''] : r.route.split('/').slice(1)) : undefined) ?? r.route })) };
  return mergeModels([renamed]);
}
