import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, TRANSPORT_CODES } from '../../../src/common/index.js';

const SRC = fileURLToPath(new URL('../../../src', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'generated' ? [] : files(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

describe('one vocabulary', () => {
  it('every ST_* code written in src/ is in the registry (ERROR_CODES or TRANSPORT_CODES) and so in docs/errors.md', () => {
    const known = new Set([...Object.keys(ERROR_CODES), ...Object.keys(TRANSPORT_CODES)]);
    const unknown: string[] = [];
    let seen = 0;
    for (const f of files(SRC)) {
      const text = readFileSync(f, 'utf8');
      // A code is a quoted literal: 'ST_ERR_X', "ST_TIMEOUT", `ST_…` (regex sources and prose in comments are not codes).
      for (const m of text.matchAll(/['"`](ST_[A-Z0-9_]+)['"`]/g)) {
        seen++;
        if (!known.has(m[1]!)) unknown.push(`${f.slice(SRC.length + 1)}: ${m[1]}`);
      }
    }
    expect(seen).toBeGreaterThan(100);
    expect([...new Set(unknown)]).toEqual([]);
  });

  it('every registered error code is raised somewhere in src/ (a code nothing uses is noise in the docs)', () => {
    const text = files(SRC).filter((f) => !f.endsWith('error-codes.ts')).map((f) => readFileSync(f, 'utf8')).join('\n');
    const unused = Object.keys(ERROR_CODES).filter((c) => !text.includes(c));
    expect(unused).toEqual([]);
  });
});
