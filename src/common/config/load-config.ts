import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { ErrorCode } from '../error-codes.js';
import { ShadowtwinError } from '../errors.js';
import { fromZodIssues, formatIssues, type ConfigIssue } from './config-issues.js';

export type PlainObject = Record<string, unknown>;

export interface LoadConfigOptions<S extends z.ZodType> {
  schema: S;
  /** What this config is called in messages ("sidecar config"). */
  label: string;
  file?: string;
  /** Values from environment variables, already shaped like the config. */
  env?: PlainObject;
  /** Values from command-line flags; they win over env and file. */
  flags?: PlainObject;
  /** Cross-field rules; they see the merged raw input and run even when the schema fails. */
  checks?: (raw: PlainObject) => ConfigIssue[];
  /** The error code thrown for an invalid result (default ST_ERR_CONFIG_INVALID). */
  code?: ErrorCode;
}

function isPlainObject(v: unknown): v is PlainObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge where later layers win; arrays replace, undefined is skipped. */
export function mergeLayers(...layers: Array<PlainObject | undefined>): PlainObject {
  const out: PlainObject = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeLayers(out[k] as PlainObject, v) : v;
    }
  }
  return out;
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function readConfigFile(file: string): PlainObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ShadowtwinError('ST_ERR_CONFIG_FILE_UNREADABLE', `cannot read config file ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}; check the path`, { cause });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (cause) {
    throw new ShadowtwinError('ST_ERR_CONFIG_FILE_UNREADABLE', `config file ${file} is not valid YAML: ${(cause as Error).message}`, { cause });
  }
  if (doc == null) return {};
  if (!isPlainObject(doc)) {
    throw new ShadowtwinError('ST_ERR_CONFIG_FILE_UNREADABLE', `config file ${file} must contain a mapping (key: value) at the top level`);
  }
  return doc;
}

/**
 * Defaults < file < env < flags, validated strictly (unknown keys are
 * errors), with every problem reported at once, and the result frozen.
 */
export function loadConfig<S extends z.ZodType>(opts: LoadConfigOptions<S>): z.output<S> {
  const fileLayer = opts.file ? readConfigFile(opts.file) : undefined;
  const raw = mergeLayers(fileLayer, opts.env, opts.flags);
  return validateConfig(opts.schema, raw, opts.label, opts.checks, opts.code);
}

export function validateConfig<S extends z.ZodType>(schema: S, raw: unknown, label: string, checks?: (raw: PlainObject) => ConfigIssue[], code: ErrorCode = 'ST_ERR_CONFIG_INVALID'): z.output<S> {
  const result = schema.safeParse(raw);
  const issues: ConfigIssue[] = result.success ? [] : fromZodIssues(schema, result.error.issues);
  if (checks && isPlainObject(raw)) issues.push(...checks(raw));
  if (issues.length > 0) {
    const n = issues.length;
    throw new ShadowtwinError(code, `${label} has ${n} problem${n === 1 ? '' : 's'}:\n${formatIssues(issues)}`, { details: issues });
  }
  return deepFreeze((result as { data: z.output<S> }).data);
}
