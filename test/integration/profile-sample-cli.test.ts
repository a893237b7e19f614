import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('profile sample: -n checked, output streamed, a closed pipe ends it quietly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-sample-'));
  const model = join(dir, 'model.json');
  beforeAll(async () => {
    const log = join(dir, 'access.log');
    const lines: string[] = [];
    for (let i = 0; i < 120; i++) lines.push(`10.0.0.${i % 7} - - [20/Nov/2026:10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} +0000] "GET /items/${i % 5} HTTP/1.1" 200 512 "-" "curl/8"`);
    writeFileSync(log, lines.join('\n') + '\n');
    const b = runCli(['profile', 'build', log, '--format', 'combined', '-o', model]);
    expect(await b.exit, b.stderr()).toBe(0);
  });

  it('refuses -n that is not a whole number from 1 to the cap (exit 2, naming -n), and prints nothing', async () => {
    for (const n of ['0', '-5', 'abc', '1.5', '0x10', '1e3', '100000000']) {
      const r = runCli(['profile', 'sample', model, '-n', n]);
      expect(await r.exit, n).toBe(2);
      expect(r.stderr(), n).toContain(`ST_ERR_USAGE: -n must be a whole number between 1 and 1000000, got "${n}"`);
      expect(r.stdout(), n).toBe('');
    }
    const ok = runCli(['profile', 'sample', model, '-n', '25']);
    expect(await ok.exit).toBe(0);
    expect(ok.stdout().trim().split('\n')).toHaveLength(25);
  });

  it('a reader that stops after the first line (| head -1) ends the run with exit 0 and no stack trace', async () => {
    const r = runCli(['profile', 'sample', model, '-n', '300000']);
    await new Promise<void>((resolve) => r.child.stdout!.once('data', () => resolve()));
    r.child.stdout!.destroy();
    expect(await r.exit).toBe(0);
    expect(r.stderr()).toBe('');
  });
});
