import { readFileSync } from 'node:fs';
import { ShadowtwinError } from '../common/index.js';

/** An input file's text, or ST_ERR_INPUT_UNREADABLE (exit 2) naming it: a missing file is the user's to fix, not a bug. */
export function readInputText(file: string, what = 'input'): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `cannot read ${what} ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
}
