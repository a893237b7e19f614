import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseScenario, prepareRun } from '../../src/generator/index.js';
import { runCli } from '../helpers/cli.js';
import { startServer } from '../helpers/servers.js';

describe('report merge and compare refuse inputs that would give a wrong answer (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-repin-'));
  const file = (name: string, content: unknown): string => {
    const f = join(dir, name);
    writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
    return f;
  };
  let seg0 = '';
  let seg1 = '';
  let whole = '';
  beforeAll(async () => {
    const s = await startServer((_req, res) => res.end('ok'));
    try {
      const sc = parseScenario({ target: s.url, duration: '500ms', load: { executor: 'constant-rate', rate: 100 }, source: { path: '/users/1' } });
      seg0 = file('seg0.json', await (await prepareRun(sc, { segment: { index: 0, count: 2 } })).execute());
      seg1 = file('seg1.json', await (await prepareRun(sc, { segment: { index: 1, count: 2 } })).execute());
      whole = file('whole.json', await (await prepareRun(sc)).execute());
    } finally {
      await s.close();
    }
  });

  it('report merge: the same segment twice is refused (it would look like a complete run); distinct segments merge; a missing one is warned about', async () => {
    const dup = runCli(['report', 'merge', seg0, seg0]);
    expect(await dup.exit).toBe(2);
    // The same file twice is the same run; another agent's run of segment 0 is the same segment twice.
    expect(dup.stderr()).toContain(`ST_ERR_REPORT_MERGE: ${seg0} and ${seg0} contain the same run`);
    const again = JSON.parse(readFileSync(seg0, 'utf8'));
    const seg0b = file('seg0b.json', { ...again, meta: { ...again.meta, runId: 'another-agent' } });
    const twice = runCli(['report', 'merge', seg0, seg0b]);
    expect(await twice.exit).toBe(2);
    expect(twice.stderr()).toContain(`ST_ERR_REPORT_MERGE: ${seg0} and ${seg0b} are both segment 0/2`);
    const mixed = runCli(['report', 'merge', seg0, whole]);
    expect(await mixed.exit).toBe(2);
    expect(mixed.stderr()).toContain('some reports are segments');

    const out = join(dir, 'merged.json');
    const ok = runCli(['report', 'merge', seg0, seg1, '-o', out]);
    expect(await ok.exit).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).summary.requests).toBe(50);
    const partial = runCli(['report', 'merge', seg1]);
    expect(await partial.exit).toBe(0);
    expect(partial.stderr()).toContain('segment 0/2 missing');
  });

  it('report merge: an unwritable -o is refused before reading; unknown versions and bodiless reports are refused naming the file', async () => {
    const bad = runCli(['report', 'merge', seg0, seg1, '-o', join(dir, 'nope', 'm.json')]);
    expect(await bad.exit).toBe(2);
    expect(bad.stderr()).toContain('ST_ERR_OUTPUT_UNWRITABLE: --out');
    const v99 = file('v99.json', { ...JSON.parse(readFileSync(seg0, 'utf8')), version: 99 });
    const r99 = runCli(['report', 'merge', seg1, v99]);
    expect(await r99.exit).toBe(2);
    expect(r99.stderr()).toContain(`ST_ERR_CONTRACT_VERSION: ${v99}: is a run report of version 99; this shadowtwin`);
    expect(r99.stderr()).toContain('written by a newer shadowtwin; upgrade this one');
    const hollow = file('hollow.json', { kind: 'shadowtwin.run-report', version: 1 });
    const rh = runCli(['report', 'merge', seg0, hollow]);
    expect(await rh.exit).toBe(2);
    expect(rh.stderr()).toMatch(new RegExp(`ST_ERR_INPUT_FORMAT: ${hollow}: run report is missing or has malformed summary, histograms, meta`));
    expect(rh.stderr()).not.toContain('ST_ERR_INTERNAL');
  });

  it('compare: a single run report is refused (it would be compared with itself)', async () => {
    const r = runCli(['compare', whole]);
    expect(await r.exit).toBe(2);
    expect(r.stderr()).toContain(`ST_ERR_USAGE: ${whole} is a run report: it holds one run`);
    expect(r.stdout()).toBe('');
    expect(await runCli(['compare', whole, seg0]).exit).not.toBe(2);
  });

  const refusedByCompare = async (cases: Array<[string, RegExp, string?]>): Promise<void> => {
    for (const [f, message, code = 'ST_ERR_INPUT_FORMAT'] of cases) {
      const r = runCli(['compare', f, whole]);
      expect(await r.exit, f).toBe(2);
      expect(r.stderr()).toContain(code);
      expect(r.stderr()).toMatch(message);
      expect(r.stderr()).not.toContain('ST_ERR_INTERNAL');
    }
  };

  it('compare: a run report with the right kind but no body or malformed rows is ST_ERR_INPUT_FORMAT, an unknown version ST_ERR_CONTRACT_VERSION, naming the file and what is missing', async () => {
    await refusedByCompare([
      [file('kind-only.json', { kind: 'shadowtwin.run-report', version: 1 }), /kind-only\.json: run report is missing or has malformed summary, histograms, meta/],
      [file('v99b.json', { ...JSON.parse(readFileSync(whole, 'utf8')), version: 99 }), /v99b\.json: is a run report of version 99/, 'ST_ERR_CONTRACT_VERSION'],
      [file('rows.json', { ...JSON.parse(readFileSync(whole, 'utf8')), histograms: { unit: 'us', total: '', lag: '', routes: [{ route: '/a' }] } }), /rows\.json: run report is missing or has malformed histograms\.routes\[0\] \(route, method, requests, errors, histogram\)/],
    ]);
  });

  it('compare: malformed JSON, a dump without both sides and an unknown kind are ST_ERR_INPUT_FORMAT naming the file', async () => {
    await refusedByCompare([
      [file('broken.json', '{"kind": "shadowtwin.run-report", '), /broken\.json is not JSON/],
      [file('dump.json', { kind: 'shadowtwin.histograms', version: 1, start: 0, end: 1000, primary: [] }), /dump\.json: histogram dump is missing or has malformed secondary/],
      [file('other.json', { kind: 'something-else' }), /other\.json is neither a run report .* its kind is "something-else"/],
    ]);
  });

  it('compare: flags are checked in the user\'s words', async () => {
    const r = runCli(['compare', whole, seg0, '--alpha', '5', '--min-shift', 'tiny']);
    expect(await r.exit).toBe(2);
    expect(r.stderr()).toContain('--alpha must be a number between 0 and 1, got "5"');
    expect(r.stderr()).toContain('--min-shift must be a duration such as 500ms, 30s, 5m or 1h30m, got "tiny"');
  });
});
