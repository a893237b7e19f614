import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { generateBlogSiteLog, generateDocsSiteLog } from '../helpers/site-log-fixture.js';

describe('profile build --routes-from its own model (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-prf-'));
  it.each([['blog', generateBlogSiteLog], ['docs', generateDocsSiteLog]] as const)('%s site: same templates and request counts; diff of 0 (exit 0)', async (name, gen) => {
    const log = join(dir, `${name}.log`);
    // Scanner probes and forward-proxy (absolute-form) lines as real logs have them.
    const extra = ['/.env', '/admin.php', '/wp-login.php', '/xmlrpc.php', '/.git/config'].flatMap((p, i) => Array.from({ length: 3 }, (_, k) => `198.51.100.${i} - - [01/Dec/2026:00:0${k}:00 +0000] "GET ${p} HTTP/1.1" 404 10 "-" "curl/8"`));
    extra.push('198.51.100.9 - - [01/Dec/2026:00:05:00 +0000] "GET http://evil.example.com/api/v1/users/1 HTTP/1.1" 404 10 "-" "curl/8"');
    writeFileSync(log, [...gen({ lines: 8000, seed: 5 }).lines, ...extra].join('\n') + '\n');
    const first = join(dir, `${name}.json`);
    const again = join(dir, `${name}-rf.json`);
    expect(await runCli(['profile', 'build', log, '--format', 'combined', '-o', first]).exit).toBe(0);
    expect(await runCli(['profile', 'build', log, '--format', 'combined', '--routes-from', first, '-o', again]).exit).toBe(0);
    const counts = (f: string): Record<string, number> => Object.fromEntries((JSON.parse(readFileSync(f, 'utf8')) as { routes: Array<{ method: string; route: string; requests: number }> }).routes.map((r) => [`${r.method} ${r.route}`, r.requests]));
    const a = counts(first);
    expect(Object.keys(a).some((k) => k.endsWith('/*'))).toBe(true);
    expect(counts(again)).toEqual(a);
    const diff = runCli(['profile', 'diff', first, again, '--json']);
    expect(await diff.exit).toBe(0);
    expect(JSON.parse(diff.stdout()).maxDivergence).toBe(0);
  });
});
