import { closeSync, existsSync, openSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShadowtwinError } from '../common/index.js';

/**
 * Checks, before any work starts, that each output file can be written: opens
 * it for appending (which creates it) and removes it again if it did not
 * exist, so a directory that is missing or read-only, a path that is a
 * directory, or a full file system is found before a long run, not after it.
 * Every unwritable output is listed at once.
 */
export function checkOutputs(outputs: Record<string, string | undefined>): void {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const [flag, file] of Object.entries(outputs)) {
    if (file === undefined) continue;
    if (file === '') { problems.push(`${flag}: give a file name`); continue; }
    const other = seen.get(file);
    if (other) { problems.push(`${flag} ${file}: the same file as ${other}; give each output its own file`); continue; }
    seen.set(file, flag);
    const existed = existsSync(file);
    try {
      if (existed && statSync(file).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      closeSync(openSync(file, 'a'));
      if (!existed) unlinkSync(file);
    } catch (err) {
      problems.push(`${flag} ${file}: cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a writable path`);
    }
  }
  if (problems.length) throw new ShadowtwinError('ST_ERR_OUTPUT_UNWRITABLE', problems.join('\n'));
}

/**
 * Writes an output after the work is done. If that fails anyway (the disk
 * filled up during the run), the content goes to a file in the temporary
 * directory instead and the error says where: a finished run is never lost.
 */
export function writeOutput(flag: string, file: string, content: string): void {
  try {
    writeFileSync(file, content);
  } catch (err) {
    const rescue = join(tmpdir(), `shadowtwin-${process.pid}-${flag.replace(/^-+/, '')}-${Date.now()}`);
    let saved = '';
    try {
      writeFileSync(rescue, content);
      saved = `; saved to ${rescue} instead`;
    } catch { /* nowhere to put it */ }
    throw new ShadowtwinError('ST_ERR_OUTPUT_UNWRITABLE', `${flag} ${file}: cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})${saved}`, { cause: err });
  }
}
