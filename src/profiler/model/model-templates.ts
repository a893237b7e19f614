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
