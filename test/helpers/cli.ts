import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { childDone } from './child-done.js';

export const CLI = fileURLToPath(new URL('../../dist/src/cli/index.js', import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error('dist/ is missing: run `npm run build` (npm test does it in pretest)');
}

export interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  assertBuilt();
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, SHADOWTWIN_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { err += d; });
  const exit = childDone(child);
  return { child, stdout: () => out, stderr: () => err, exit };
}

export async function waitForText(get: () => string, pattern: RegExp, ms = 10_000): Promise<RegExpExecArray> {
  const end = Date.now() + ms;
  for (;;) {
    const m = pattern.exec(get());
    if (m) return m;
    if (Date.now() > end) throw new Error(`timed out waiting for ${pattern}; got:\n${get()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
