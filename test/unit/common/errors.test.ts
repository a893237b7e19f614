import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, GRPC, ShadowtwinError, TRANSPORT_CODES, transportFailure } from '../../../src/common/index.js';

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

  it('each row of the table says the exit code, gRPC status, HTTP status and summary the code carries', () => {
    const grpcName = Object.fromEntries(Object.entries(GRPC).map(([k, v]) => [v, k]));
    const rows = new Map([...doc.matchAll(/^\| `(ST_ERR_[A-Z_]+)` \| (\d+) \| ([A-Z_]+) \| (\d*) \| (.*) \|$/gm)].map((m) => [m[1], m.slice(2)]));
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      const row = rows.get(code);
      expect(row, `${code} has no table row in docs/errors.md`).toBeDefined();
      const [exit, grpc, http, summary] = row!;
      expect({ code, exit: Number(exit), grpc, http: http === '' ? undefined : Number(http), summary }).toEqual({
        code, exit: spec.exitCode, grpc: grpcName[spec.grpcStatus], http: (spec as { httpStatus?: number }).httpStatus, summary: spec.summary,
      });
    }
  });

  it('exit codes are the documented table: 2 for a user mistake, 3 at run time, 4 for failed thresholds, 1 only for bugs', () => {
    const exits = doc.split('## Codes')[0]!;
    for (const [exit] of [...exits.matchAll(/^\| (\d+) \|/gm)].map((m) => [Number(m[1])])) expect([0, 1, 2, 3, 4, 130]).toContain(exit);
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect([1, 2, 3, 4], code).toContain(spec.exitCode);
      if (spec.exitCode === 1) expect(code).toBe('ST_ERR_INTERNAL');
    }
  });

  it('transport outcomes: the table under "Transport outcomes" lists TRANSPORT_CODES in the same order, with the outcome the classifier gives each', () => {
    const section = doc.split('## Transport outcomes')[1]?.split('\n## ')[0] ?? '';
    const rows = [...section.matchAll(/^\| `(ST_[A-Z_]+)` \| ([a-z_]+) \| (.*) \|$/gm)].map((m) => ({ code: m[1], failure: m[2], summary: m[3] }));
    expect(rows).toEqual(Object.entries(TRANSPORT_CODES).map(([code, spec]) => ({ code, failure: spec.failure, summary: spec.summary })));
    for (const [code, spec] of Object.entries(TRANSPORT_CODES)) {
      expect(code).toMatch(/^ST_[A-Z]+(_[A-Z]+)*$/);
      expect(code.startsWith('ST_ERR_'), code).toBe(false);
      expect(transportFailure(code)).toBe(spec.failure);
    }
  });

  it('serialises with code and message for JSON bodies', () => {
    const e = new ShadowtwinError('ST_ERR_PROXY_UPSTREAM_TIMEOUT', 'slow');
    expect(e.httpStatus).toBe(504);
    expect(JSON.parse(JSON.stringify(e))).toEqual({ code: 'ST_ERR_PROXY_UPSTREAM_TIMEOUT', message: 'slow' });
  });
});
