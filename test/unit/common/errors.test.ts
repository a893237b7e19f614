import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ShadowtwinError } from '../../../src/common/index.js';

describe('error codes', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const documented = new Set([...doc.matchAll(/`(ST_ERR_[A-Z_]+)`/g)].map((m) => m[1]));

  it('every code is documented in docs/errors.md and every documented code exists', () => {
    const codes = Object.keys(ERROR_CODES);
    expect(codes.filter((c) => !documented.has(c))).toEqual([]);
    expect([...documented].filter((c) => !(c in ERROR_CODES))).toEqual([]);
  });

  it('codes follow ST_ERR_<AREA>_<WHAT> and carry exit and gRPC codes', () => {
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^ST_ERR_[A-Z]+(_[A-Z]+)*$/);
      expect(Number.isInteger(spec.exitCode)).toBe(true);
      expect(spec.grpcStatus).toBeGreaterThan(0);
    }
  });

  it('serialises with code and message for JSON bodies', () => {
    const e = new ShadowtwinError('ST_ERR_PROXY_UPSTREAM_TIMEOUT', 'slow');
    expect(e.httpStatus).toBe(504);
    expect(JSON.parse(JSON.stringify(e))).toEqual({ code: 'ST_ERR_PROXY_UPSTREAM_TIMEOUT', message: 'slow' });
  });
});
