import { EXIT } from '../common/error-codes.js';
import { isShadowtwinError } from '../common/errors.js';

/**
 * Runs a command body and turns errors into the fixed exit-code table:
 * ShadowtwinError → its code's exit code and message on stderr; anything
 * else → 1 with the stack (a bug).
 */
export async function runCommand(body: () => Promise<number | void>): Promise<void> {
  try {
    const code = await body();
    if (typeof code === 'number' && code !== 0) process.exitCode = code;
  } catch (err) {
    if (isShadowtwinError(err)) {
      process.stderr.write(`shadowtwin: ${err.code}: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`shadowtwin: ST_ERR_INTERNAL: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = EXIT.INTERNAL;
    }
  }
}

/** Keeps a numeric flag numeric, or leaves the text for config validation to report. */
export function numberOrText(v: string | undefined): number | string | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? n : v;
}

export function list(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean);
}
