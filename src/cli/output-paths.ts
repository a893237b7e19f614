import { accessSync, constants, closeSync, existsSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ShadowtwinError } from '../common/index.js';

/** The file an output finally lands in: a symlink's target (renaming over the link would replace it). */
function resolved(file: string): string {
  try { return realpathSync(file); } catch { return file; }
}

/** A fresh name in the output's own directory: outputs are written there, then renamed over the file. */
function tempBeside(file: string): string {
  return join(dirname(file), `.${basename(file)}.shadowtwin-${process.pid}-${Date.now()}.tmp`);
}

/**
 * Checks, before any work starts, that each output file can be written the
 * way `writeOutput` will write it: a new file is created in the output's
 * directory (and removed), and an existing output must be a regular,
 * writable file. So a directory that is missing or read-only, a path that is
 * a directory or not a regular file (a device, a FIFO), or a file system
 * that refuses new files (/proc) is found before a long run, not after it.
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
    try {
      const real = resolved(file);
      if (existsSync(real)) {
        const st = statSync(real);
        if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
        if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'not a regular file' });
        accessSync(real, constants.W_OK);
      }
      const probe = tempBeside(real);
      closeSync(openSync(probe, 'wx'));
      unlinkSync(probe);
    } catch (err) {
      problems.push(`${flag} ${file}: cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a writable path`);
    }
  }
  if (problems.length) throw new ShadowtwinError('ST_ERR_OUTPUT_UNWRITABLE', problems.join('\n'));
}

/**
 * Writes an output after the work is done: to a new file in the same
 * directory, then renamed over the output, so a failed write never leaves a
 * half-written report. If that fails anyway (the disk filled up during the
 * run), the content goes to a file in the temporary directory instead and
 * the error says where: a finished run is never lost.
 */
export function writeOutput(flag: string, file: string, content: string): void {
  const real = resolved(file);
  const temp = tempBeside(real);
  try {
    writeFileSync(temp, content, { flag: 'wx' });
    renameSync(temp, real);
  } catch (err) {
    try { unlinkSync(temp); } catch { /* not created */ }
    const rescue = join(tmpdir(), `shadowtwin-${process.pid}-${flag.replace(/^-+/, '')}-${Date.now()}`);
    let saved = '';
    try {
      writeFileSync(rescue, content);
      saved = `; saved to ${rescue} instead`;
    } catch { /* nowhere to put it */ }
    throw new ShadowtwinError('ST_ERR_OUTPUT_UNWRITABLE', `${flag} ${file}: cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})${saved}`, { cause: err });
  }
}
