import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sidecarConfigSchema } from '../../../src/common/index.js';

/**
 * Every sidecar config key the docs and the error messages name
 * (`server.headersTimeout`, `upstream.connectTimeout/responseTimeout`, …)
 * is a key the schema accepts: a user who follows an error's advice must not
 * get "unknown key" back.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SOURCES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`), 'src/common/error-codes.ts'];
// Not after a slash: `/admin.php` is a path, not the admin section.
const KEY = /(?<![/\w.-])(upstream|server|capture|mirror|faults|admin)\.([a-zA-Z]+(?:\/[a-zA-Z]+)*)(?:\.([a-zA-Z]+))?/g;
const FILE_SUFFIX = /^(ndjson|ts|js|json|gz|yaml)$/;

function namedKeys(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(KEY)) {
    const [, section, names] = m;
    if (FILE_SUFFIX.test(names!.split('/')[0]!)) continue;
    for (const n of names!.split('/')) out.push(`${section}.${n}`);
  }
  return out;
}

describe('config keys named in the docs and error messages exist', () => {
  // The schema's own key lists (optional keys included), one level down.
  const shape = sidecarConfigSchema.shape as unknown as Record<string, { unwrap?: () => unknown; shape?: Record<string, unknown>; def?: { innerType?: { shape?: Record<string, unknown> } } }>;
  const keysOf = (section: string): string[] => {
    let t: unknown = shape[section];
    for (let i = 0; i < 5 && t && !(t as { shape?: unknown }).shape; i++) t = (t as { def?: { innerType?: unknown } }).def?.innerType;
    return Object.keys((t as { shape?: Record<string, unknown> } | undefined)?.shape ?? {});
  };

  it('reads the schema\'s keys', () => {
    expect(keysOf('server')).toEqual(expect.arrayContaining(['headersTimeout', 'requestTimeout', 'maxHeaderBytes']));
    expect(keysOf('admin')).toEqual(expect.arrayContaining(['listen', 'token']));
  });

  it('finds the keys (upstream.connectTimeout/responseTimeout is two), not paths or file names', () => {
    expect(namedKeys('raise upstream.connectTimeout/responseTimeout; see capture.ndjson')).toEqual(['upstream.connectTimeout', 'upstream.responseTimeout']);
    expect(namedKeys('probes such as /admin.php and /wp-login.php; set admin.token')).toEqual(['admin.token']);
  });

  it('every one is a key of the sidecar config', () => {
    const unknown: string[] = [];
    for (const f of SOURCES) {
      // HTML comments are the docs test's annotations (report paths such as faults.timeout), not prose.
      for (const key of namedKeys(readFileSync(join(ROOT, f), 'utf8').replace(/<!--[\s\S]*?-->/g, ''))) {
        const [section, name] = key.split('.') as [string, string];
        if (!keysOf(section).includes(name)) unknown.push(`${f}: ${key}`);
      }
    }
    expect([...new Set(unknown)]).toEqual([]);
  });
});
