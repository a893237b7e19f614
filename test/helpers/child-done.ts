import type { ChildProcess } from 'node:child_process';

/**
 * Resolves with the exit code once the child's output is complete. 'exit' can
 * fire before the last stdout chunk arrives (a truncated JSON document in CI);
 * 'close' waits for stdio, but never fires if a grandchild keeps the pipe, so
 * after 'exit' it waits at most `graceMs` for it.
 */
export function childDone(child: ChildProcess, graceMs = 2_000): Promise<number | null> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    child.once('close', (code) => { if (timer) clearTimeout(timer); resolve(code); });
    child.once('exit', (code) => { timer = setTimeout(() => resolve(code), graceMs); timer.unref(); });
  });
}
