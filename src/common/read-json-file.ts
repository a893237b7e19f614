import { readFileSync } from 'node:fs';
import { ShadowtwinError } from './errors.js';

/**
 * Reads a JSON document a user named: an unreadable file is
 * ST_ERR_INPUT_UNREADABLE, text that is not JSON ST_ERR_INPUT_FORMAT saying
 * what was `expected` (e.g. "a run report from shadowtwin generate --out").
 * Checking the document's shape is the caller's (each contract's reader).
 */
export function readJsonFile(file: string, expected: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  return parseJsonText(text, file, expected);
}

/** Parses JSON text from `where` (a file or URL), refusing non-JSON with what was expected. */
export function parseJsonText(text: string, where: string, expected: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (cause) {
    throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${where} is not JSON (${(cause as Error).message}); expected ${expected}`, { cause });
  }
}
