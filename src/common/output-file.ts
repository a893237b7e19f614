import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ShadowtwinError } from './errors.js';

function unwritable(file: string, why: string, cause?: unknown): ShadowtwinError {
  return new ShadowtwinError('ST_ERR_OUTPUT_UNWRITABLE', `cannot write ${file}: ${why}`, cause === undefined ? undefined : { cause });
}

/**
 * Fails fast, before any work, when `file` could not be written: a missing
 * or read-only directory, a directory in its place, no permission. A
 * command that spends minutes on its inputs checks its outputs first.
 */
export function assertWritableFile(file: string): void {
  const path = resolve(file);
  let st;
  try {
    st = statSync(path, { throwIfNoEntry: false });
  } catch (cause) {
    throw unwritable(file, `${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message} (is a part of the path a file?)`, cause);
  }
  if (st) {
    if (st.isDirectory()) throw unwritable(file, 'it is a directory; give a file name');
    try { accessSync(path, constants.W_OK); } catch (cause) { throw unwritable(file, `no permission to overwrite it (${(cause as NodeJS.ErrnoException).code})`, cause); }
    return;
  }
  const dir = dirname(path);
  const ds = statSync(dir, { throwIfNoEntry: false });
  if (!ds) throw unwritable(file, `the directory ${dir} does not exist`);
  if (!ds.isDirectory()) throw unwritable(file, `${dir} is not a directory`);
  try { accessSync(dir, constants.W_OK | constants.X_OK); } catch (cause) { throw unwritable(file, `no permission to create files in ${dir} (${(cause as NodeJS.ErrnoException).code})`, cause); }
}

/** Writes `text` to `file`; a failure (disk full, a path that changed since the check) is an ST_ERR_OUTPUT_UNWRITABLE, not a stack trace. */
export function writeOutputFile(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (cause) {
    throw unwritable(file, (cause as NodeJS.ErrnoException).code ?? (cause as Error).message, cause);
  }
}
