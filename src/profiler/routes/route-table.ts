import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ShadowtwinError } from '../../common/errors.js';

// The YAML parser is loaded only when a route table is read: `profile build` starts ~50 ms sooner without one.
const require = createRequire(import.meta.url);
const parseYaml = (text: string): unknown => (require('yaml') as typeof import('yaml')).parse(text);

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/**
 * Templates from an OpenAPI 3 or Swagger 2 document (JSON or YAML): the keys
 * of `paths`, prefixed with the base path the API is served under (Swagger
 * `basePath`, or the path of the first OpenAPI `servers[].url`), because logs
 * record the full path. Path-level `$ref`s and vendor keys are kept as
 * templates; only the keys matter here.
 */
export function openApiTemplates(doc: Record<string, unknown>): string[] {
  const paths = doc.paths;
  if (typeof paths !== 'object' || paths === null) return [];
  let base = '';
  if (typeof doc.basePath === 'string') base = doc.basePath;
  else if (Array.isArray(doc.servers) && typeof (doc.servers[0] as { url?: unknown })?.url === 'string') {
    const url = (doc.servers[0] as { url: string }).url;
    // Absolute (`https://api.example.com/v1`) or relative (`/v1`); server variables make it unknowable.
    const path = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
    if (!path.includes('{')) base = path;
  }
  base = base.replace(/\/+$/, '');
  return Object.entries(paths as Record<string, unknown>)
    .filter(([key, item]) => key.startsWith('/') && (typeof item !== 'object' || item === null || Object.keys(item).length === 0 || Object.keys(item).some((k) => HTTP_METHODS.has(k) || k === '$ref' || k === 'parameters')))
    .map(([key]) => (base + key).replace(/\/{2,}/g, '/'));
}

/**
 * A route table for `profile build --routes`: an OpenAPI/Swagger document
 * (JSON or YAML), a YAML/JSON list of templates, or plain text with one
 * template per line (`#` comments). Templates use `:name` or `{name}`.
 */
export function readRouteTable(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `cannot read route table ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    doc = undefined; // plain text lists can be invalid YAML (`/a: b` is fine, `/{id}` is not a problem, tabs can be)
  }
  let templates: string[];
  if (doc && typeof doc === 'object' && !Array.isArray(doc) && ('openapi' in doc || 'swagger' in doc)) {
    templates = openApiTemplates(doc as Record<string, unknown>);
    if (templates.length === 0) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file} is an OpenAPI document without paths; add paths or give a route list (one template per line)`);
    return templates;
  }
  if (Array.isArray(doc)) templates = doc.filter((t): t is string => typeof t === 'string').map((t) => t.trim());
  else templates = text.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
  const bad = templates.filter((t) => !t.startsWith('/'));
  if (bad.length) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file}: route templates must start with "/": ${bad.slice(0, 5).map((b) => JSON.stringify(b)).join(', ')}${bad.length > 5 ? ` and ${bad.length - 5} more` : ''}`);
  if (templates.length === 0) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file} has no route templates (expected an OpenAPI document, a YAML list, or one template per line)`);
  return templates;
}
