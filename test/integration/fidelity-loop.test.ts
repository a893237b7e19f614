import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { USER_AGENT_EXAMPLES } from '../../src/common/index.js';
import { runCli } from '../helpers/cli.js';
import { generateAccessLog, SITE_USER_AGENTS } from '../helpers/log-fixture.js';
import { startNginx, type TestNginx } from '../helpers/nginx.js';

/**
 * The fidelity loop with a real server: profile a site log → generate from
 * the model against nginx → profile nginx's access log with the first
 * model's route templates → `profile diff` within thresholds on what
 * synthesis controls (route, method and user-agent mixes, session lengths).
 */
const CHECKS = 'route-mix=0.005,method-mix=0.01,user-agents=0.02,session-length=0.08';

interface Verdict { check: string; divergence: number | null; limit: number; pass: boolean }
interface DiffOut { pass: boolean; verdicts: Verdict[]; checks: Record<string, number>; sessions: { meanBefore: number; meanAfter: number; countAfter: number }; routeMix: { added: string[] } }

describe('fidelity loop: log → model → generate against nginx → model of nginx\'s log → diff', () => {
  let dir: string;
  let source: string;
  let nginx: TestNginx | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'st-fidelity-'));
    // One literal route per family, so the family test's paths are not collapsed into a parameter.
    writeFileSync(join(dir, 'families.routes'), Object.keys(USER_AGENT_EXAMPLES).map((f) => `/ua/${f}`).join('\n') + '\n');
    const log = join(dir, 'site.log');
    writeFileSync(log, generateAccessLog({ sessions: 3000, seed: 21, userAgents: SITE_USER_AGENTS, botShare: 0.1, malformedShare: 0 }).lines.join('\n') + '\n');
    source = join(dir, 'source.json');
    const build = runCli(['profile', 'build', log, '--format', 'combined', '-o', source]);
    expect(await build.exit, build.stderr()).toBe(0);
  });
  afterEach(async () => { await nginx?.stop(); nginx = undefined; });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Generates from the source model against a fresh nginx and diffs the model of its log with the source. */
  async function loop(name: string, scenario: Record<string, unknown>): Promise<{ diff: DiffOut; exit: number | null; lines: string[] }> {
    const work = join(dir, name);
    nginx = await startNginx(work);
    const file = join(work, 'scenario.json');
    writeFileSync(file, JSON.stringify({ target: nginx.url, duration: '3s', seed: 5, source: { kind: 'model', file: source }, ...scenario }));
    const gen = runCli(['generate', '--scenario', file, '--quiet', '--out', join(work, 'report.json')]);
    expect(await gen.exit, gen.stderr()).toBe(0);
    await nginx.stop();
    const lines = readFileSync(nginx.accessLog, 'utf8').trim().split('\n');
    const replayed = join(work, 'replayed.json');
    const build = runCli(['profile', 'build', nginx.accessLog, '--format', 'combined', '--routes-from', source, '-o', replayed]);
    expect(await build.exit, build.stderr()).toBe(0);
    const diff = runCli(['profile', 'diff', source, replayed, '--checks', CHECKS, '--json']);
    const exit = await diff.exit;
    return { diff: JSON.parse(diff.stdout()) as DiffOut, exit, lines };
  }

  it('synthesised sessions carry user agents, clients and session identity that survive nginx\'s log', async () => {
    const { diff, exit, lines } = await loop('faithful', { load: { executor: 'sessions', rate: 300, speed: 2000 } });
    expect(lines.length).toBeGreaterThan(2000);
    // nginx saw the synthesised clients (realip from X-Forwarded-For) and real user-agent strings.
    expect(lines.filter((l) => l.startsWith('198.18.')).length).toBe(lines.length);
    expect(lines.some((l) => l.includes('shadowtwin/'))).toBe(false);
    expect(diff.verdicts, JSON.stringify(diff.checks)).toEqual(CHECKS.split(',').map((c) => expect.objectContaining({ check: c.split('=')[0], pass: true })));
    expect(exit).toBe(0);
    expect(diff.routeMix.added).toEqual([]);
    expect(diff.sessions.meanAfter).toBeCloseTo(diff.sessions.meanBefore, 0);
  });

  it('every user-agent family\'s string goes through nginx\'s log and is profiled back into its family', async () => {
    nginx = await startNginx(join(dir, 'families'));
    for (const [family, ua] of Object.entries(USER_AGENT_EXAMPLES)) {
      const headers: Record<string, string> = { 'x-forwarded-for': '198.18.0.1' };
      if (ua !== null) headers['user-agent'] = ua;
      await new Promise<void>((resolve, reject) => {
        get(`${nginx!.url}/ua/${family}`, { headers }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
      });
    }
    await nginx.stop();
    const out = join(dir, 'families.json');
    const b = runCli(['profile', 'build', nginx.accessLog, '--format', 'combined', '--routes', join(dir, 'families.routes'), '-o', out]);
    expect(await b.exit, b.stderr()).toBe(0);
    const m = JSON.parse(readFileSync(out, 'utf8')) as { routes: Array<{ route: string; userAgents: Record<string, number> }> };
    const seen = Object.fromEntries(m.routes.map((r) => [r.route.slice('/ua/'.length), Object.keys(r.userAgents)]));
    for (const family of Object.keys(USER_AGENT_EXAMPLES)) expect(seen[family], family).toEqual([family]);
  });

  it('--routes-from profiles a short log with the first model\'s templates, where inference alone groups paths differently', async () => {
    // A short slice of the site log: too few distinct users for online inference
    // to group /users/NAME/profile. Build-time collapse now groups them anyway
    // (it is checked here too); --no-collapse shows what inference alone does,
    // where --routes-from is what keeps the templates of the first model.
    const lines = readFileSync(join(dir, 'site.log'), 'utf8').trim().split('\n');
    const short = join(dir, 'short.log');
    writeFileSync(short, [...lines.filter((l) => l.includes('/users/')).slice(0, 12), ...lines.slice(0, 300)].join('\n') + '\n');
    const known = new Set((JSON.parse(readFileSync(source, 'utf8')) as { routes: Array<{ route: string }> }).routes.map((r) => r.route));
    const routesOf = async (name: string, extra: string[]): Promise<string[]> => {
      const out = join(dir, `short-${name}.json`);
      const b = runCli(['profile', 'build', short, '--format', 'combined', '-o', out, ...extra]);
      expect(await b.exit, b.stderr()).toBe(0);
      return (JSON.parse(readFileSync(out, 'utf8')) as { routes: Array<{ route: string }> }).routes.map((r) => r.route);
    };
    const collapsed = await routesOf('collapsed', []);
    expect(collapsed.every((r) => known.has(r)), collapsed.join(' ')).toBe(true);
    const inferred = await routesOf('inferred', ['--no-collapse']);
    expect(inferred.some((r) => /^\/users\/[a-z]+\d+x\/profile$/.test(r)), inferred.join(' ')).toBe(true);
    const aligned = await routesOf('aligned', ['--no-collapse', '--routes-from', source]);
    expect(aligned.every((r) => known.has(r)), aligned.join(' ')).toBe(true);
    // Or after the fact: profile diff --align re-keys the second model to the first's templates.
    const diffOf = async (extra: string[]): Promise<{ routeMix: { added: string[] } }> => {
      const d = runCli(['profile', 'diff', source, join(dir, 'short-inferred.json'), '--json', ...extra]);
      await d.exit;
      return JSON.parse(d.stdout()) as { routeMix: { added: string[] } };
    };
    expect((await diffOf([])).routeMix.added.some((r) => r.startsWith('GET /users/') && !r.includes(':'))).toBe(true);
    expect((await diffOf(['--align'])).routeMix.added).toEqual([]);
  });

  it('reports drift when the generator sends one fixed user agent', async () => {
    const { diff, exit } = await loop('fixed-ua', { load: { executor: 'sessions', rate: 300, speed: 2000 }, headers: { 'user-agent': 'shadowtwin/0.1.0' } });
    expect(exit).toBe(4);
    expect(diff.verdicts.find((v) => v.check === 'user-agents')!.pass).toBe(false);
    expect(diff.verdicts.find((v) => v.check === 'session-length')!.pass).toBe(true);
  });

  it('a rate-driven executor (poisson) carries sessions too: open sessions share its arrivals', async () => {
    const { diff, exit } = await loop('poisson', { load: { executor: 'poisson', rate: 1000, speed: 2000 } });
    expect(diff.verdicts, JSON.stringify(diff.checks)).toEqual(CHECKS.split(',').map((c) => expect.objectContaining({ check: c.split('=')[0], pass: true })));
    expect(exit).toBe(0);
  });

  it('reports drift in session lengths when sessions cannot unfold (real think times in a 3 s run: one-request sessions)', async () => {
    const { diff, exit } = await loop('uncompressed', { load: { executor: 'poisson', rate: 1000 } });
    expect(exit).toBe(4);
    expect(diff.verdicts.find((v) => v.check === 'session-length')!.pass).toBe(false);
    expect(diff.sessions.meanAfter).toBeLessThan(2);
    // The route mix stays right: the open sessions are burnt in, not all on their first page.
    expect(diff.verdicts.find((v) => v.check === 'route-mix')!.pass).toBe(true);
    expect(diff.verdicts.find((v) => v.check === 'user-agents')!.pass).toBe(true);
  });
});
