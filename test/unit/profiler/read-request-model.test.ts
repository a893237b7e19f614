import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isShadowtwinError } from '../../../src/common/index.js';
import { ModelBuilder, parseRequestModel, type RequestModel } from '../../../src/profiler/index.js';

function smallModel(): RequestModel {
  const b = new ModelBuilder({});
  for (let i = 0; i < 200; i++) {
    b.add({ ts: 1_709_251_200_000 + i * 7_000, method: i % 5 ? 'GET' : 'POST', target: i % 5 ? `/items/${i % 17}?q=${i}` : '/orders', status: i % 11 ? 200 : 503, resBytes: 100 + i, client: `10.0.0.${i % 9}`, userAgent: 'Mozilla/5.0 Firefox/120.0' });
  }
  return JSON.parse(JSON.stringify(b.build())) as RequestModel;
}

function refusal(doc: unknown, code = 'ST_ERR_INPUT_FORMAT'): string {
  try {
    parseRequestModel(doc, 'm.json');
  } catch (err) {
    expect(isShadowtwinError(err)).toBe(true);
    expect((err as { code: string }).code).toBe(code);
    return (err as Error).message;
  }
  throw new Error('accepted');
}

describe('the request model reader', () => {
  it('accepts what the builder writes', () => {
    const m = smallModel();
    expect(parseRequestModel(m, 'm.json')).toEqual(m);
  });
  it('refuses other documents, unknown versions and damaged models, naming the file and the field', () => {
    const m = smallModel();
    expect(refusal({ kind: 'shadowtwin.run-report', version: 1 })).toMatch(/m\.json is not a shadowtwin request model/);
    expect(refusal({ ...m, version: 3 }, 'ST_ERR_CONTRACT_VERSION')).toMatch(/version 3; this shadowtwin reads versions 1 to 2 \(upgrade shadowtwin/);
    expect(refusal({ ...m, version: '2' }, 'ST_ERR_CONTRACT_VERSION')).toMatch(/version "2"/);
    expect(refusal({ kind: m.kind, version: 1 })).toMatch(/damaged request model: .*routes/);
    expect(refusal({ ...m, routes: [{ ...m.routes[0], weight: 'heavy' }] })).toMatch(/routes\.0\.weight/);
    expect(refusal({ ...m, rate: { ...m.rate, stepMs: 0 } })).toMatch(/rate\.stepMs/);
    expect(refusal({ ...m, rate: { ...m.rate, steps: { start: 0, length: 1, total: 5, runs: 7 } } })).toMatch(/rate\.steps\.runs/);
    expect(refusal({ ...m, version: 1 })).toMatch(/rate\.start|rate\.counts/);
    expect(refusal({ ...m, routes: [{ ...m.routes[0], status: { 200: -3 } }] })).toMatch(/routes\.0\.status\.200/);
  });
  it('for any damage, a model or ST_ERR_INPUT_FORMAT, never another exception', () => {
    const m = smallModel();
    const keys = Object.keys(m);
    const routeKeys = Object.keys(m.routes[0]!);
    fc.assert(fc.property(fc.constantFrom(...keys), fc.constantFrom(...routeKeys), fc.jsonValue({ maxDepth: 2 }), fc.boolean(), (k, rk, v, inRoute) => {
      const doc = JSON.parse(JSON.stringify(m)) as Record<string, unknown> & { routes: Array<Record<string, unknown>> };
      if (inRoute) doc.routes[0]![rk] = v; else doc[k] = v;
      try {
        parseRequestModel(doc, 'm.json');
      } catch (err) {
        if (!isShadowtwinError(err)) throw err;
      }
    }), { numRuns: 300 });
  });
});
