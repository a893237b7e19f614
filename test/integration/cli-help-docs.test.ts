import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/commands.js';
import { CLI, assertBuilt } from '../helpers/cli.js';

/**
 * Every option of every command and subcommand of the real CLI program has
 * help text and appears in the docs (README.md or docs/*.md); every
 * SHADOWTWIN_* environment variable the code reads appears in the docs.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
  .map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n')
  .replace(/<!--[\s\S]*?-->/g, ''); // the docs test's annotations are not documentation

function walk(cmd: Command, path: string[] = []): Array<{ path: string[]; cmd: Command }> {
  return [{ path, cmd }, ...cmd.commands.flatMap((c) => walk(c, [...path, c.name()]))];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('the CLI says what every option does, and the docs name it', async () => {
  const program = await buildProgram();
  const commands = walk(program).filter((c) => c.path.length > 0);

  it('walks every command and subcommand', () => {
    const names = commands.map((c) => c.path.join(' '));
    for (const n of ['sidecar', 'demo-sidecar', 'generate', 'report merge', 'profile build', 'profile show', 'profile diff', 'profile sample', 'profile prom-series', 'forecast', 'compare', 'capacity', 'scale', 'cost fit', 'cost project']) expect(names).toContain(n);
  });

  it('every option has help text', () => {
    const missing = commands.flatMap(({ path, cmd }) => cmd.options.filter((o) => !o.description?.trim()).map((o) => `shadowtwin ${path.join(' ')} ${o.flags}`));
    expect(missing).toEqual([]);
  });

  it('every option appears in README.md or docs/*.md', () => {
    const missing = commands.flatMap(({ path, cmd }) => cmd.options
      .map((o) => o.long ?? o.short!)
      .filter((flag) => !new RegExp(`(^|[\\s\`(\\[|,])${flag.replace(/[-]/g, '\\-')}(?![\\w-])`, 'm').test(DOCS))
      .map((flag) => `shadowtwin ${path.join(' ')} ${flag}`));
    expect(missing).toEqual([]);
  });

  it('the real CLI prints that help', () => {
    assertBuilt();
    const flat = (t: string): string => t.replace(/\s+/g, ' ');
    const help = flat(execFileSync(process.execPath, [CLI, 'scale', '--help'], { encoding: 'utf8' }));
    const scale = commands.find((c) => c.path.join(' ') === 'scale')!.cmd;
    for (const o of scale.options) expect(help).toContain(`${o.flags} ${flat(o.description)}`);
  });

  it('every SHADOWTWIN_* environment variable the code reads is in the docs and in --help', () => {
    const read = new Set<string>();
    for (const f of sourceFiles(join(ROOT, 'src'))) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/\benv\.(SHADOWTWIN_[A-Z0-9_]+)|env\[['"](SHADOWTWIN_[A-Z0-9_]+)['"]\]/g)) read.add((m[1] ?? m[2])!);
    }
    expect(read.size).toBeGreaterThanOrEqual(10);
    expect([...read].filter((v) => !DOCS.includes(v)).sort()).toEqual([]);
    assertBuilt();
    const help = execFileSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    expect([...read].filter((v) => !help.includes(v)).sort()).toEqual([]);
  });
});
