import { mergeModels } from './merge-models.js';
import type { RequestModel } from './request-model.js';

/**
 * A model's route templates as a route table (`profile build --routes-from`):
 * profiling a second input with the first model's templates makes the two
 * models' route mixes comparable, where inference on a short or differently
 * shaped input would group paths differently. Static-file groups
 * (`/img/:file.png`) are left to inference: a table parameter matches any
 * segment, not one extension.
 */
export function routeTemplatesOf(model: RequestModel): string[] {
  const out = new Set<string>();
  for (const r of model.routes) {
    if (!r.route.startsWith('/')) continue;
    if (r.route.split('/').some((seg) => seg.startsWith(':') && seg.includes('.'))) continue;
    out.add(r.route);
  }
  return [...out];
}

interface Template { template: string; parts: Array<string | null>; literals: number }

function compile(template: string): Template {
  const parts = template.split('/').slice(1).map((s) => (/^:.+$/.test(s) || /^\{.+\}$/.test(s) ? null : s));
  return { template, parts, literals: parts.filter((p) => p !== null).length };
}

/** The template `route` falls under (a parameter matches any non-empty segment, also another template's parameter), or undefined. */
function matchTemplate(route: string, table: readonly Template[]): string | undefined {
  const segs = route.split('/').slice(1);
  for (const t of table) {
    if (t.parts.length !== segs.length) continue;
    let ok = true;
    for (let i = 0; ok && i < segs.length; i++) {
      const p = t.parts[i];
      ok = p === null ? segs[i] !== '' : p === segs[i];
    }
    if (ok) return t.template;
  }
  return undefined;
}

/**
 * `model` with its routes re-keyed to `templates` where one matches (most
 * literal segments first) and merged (`profile diff --align`): a model
 * built without `--routes-from` made comparable after the fact. Routes that
 * match no template keep theirs. Only the per-route part changes; session
 * transitions keep their original keys.
 */
export function alignRoutes(model: RequestModel, templates: readonly string[]): RequestModel {
  const table = templates.map(compile).sort((a, b) => b.literals - a.literals);
  const renamed: RequestModel = { ...model, routes: model.routes.map((r) => ({ ...r, route: matchTemplate(r.route, table) ?? r.route })) };
  return mergeModels([renamed]);
}
