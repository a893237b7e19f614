import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useCleanup } from '../helpers/servers.js';

describe('report merge: segments of one run only', () => {
  const { server } = useCleanup();
  const dir = mkdtempSync(join(tmpdir(), 'st-merge-id-'));

  it('merges the segments of one run; refuses the same report twice and a run of another scenario (ST_ERR_REPORT_MERGE, exit 2)', async () => {
    const s = await server((req, res) => { req.resume(); res.end('ok'); });
    const gen = async (out: string, extra: string[]): Promise<void> => {
      const r = runCli(['generate', '--target', s.url, '--rate', '20', '--duration', '300ms', '--quiet', '--out', out, ...extra]);
      expect(await r.exit, r.stderr()).toBe(0);
    };
    const seg0 = join(dir, 'seg0.json');
    const seg1 = join(dir, 'seg1.json');
    const other = join(dir, 'other.json');
    await gen(seg0, ['--path', '/a', '--segment', '0/2']);
    await gen(seg1, ['--path', '/a', '--segment', '1/2']);
    await gen(other, ['--path', '/b', '--segment', '1/2']);
    const m0 = JSON.parse(readFileSync(seg0, 'utf8')).meta;
    const m1 = JSON.parse(readFileSync(seg1, 'utf8')).meta;
    expect(m0.runId).not.toBe(m1.runId);
    expect(m0.scenarioId).toBe(m1.scenarioId);

    const ok = runCli(['report', 'merge', seg0, seg1]);
    expect(await ok.exit, ok.stderr()).toBe(0);
    const twice = runCli(['report', 'merge', seg0, seg0]);
    expect(await twice.exit).toBe(2);
    expect(twice.stderr()).toContain(`ST_ERR_REPORT_MERGE: ${seg0} and ${seg0} contain the same run`);
    const unrelated = runCli(['report', 'merge', seg0, other]);
    expect(await unrelated.exit).toBe(2);
    expect(unrelated.stderr()).toContain('are runs of different scenarios');
  }, 120_000); // six CLI runs: a hang guard, not a timing assertion (a loaded 2-core machine took over 30 s)
});
