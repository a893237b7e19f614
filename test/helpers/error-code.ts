import { ShadowtwinError } from '../../src/common/index.js';

/** The ShadowtwinError code a promise rejects with (any other error as text), or undefined when it resolves. */
export async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return err instanceof ShadowtwinError ? err.code : String(err);
  }
  return undefined;
}
