import { describe, expect, it } from 'vitest';
import { costModelDocument, parseCostModel } from '../../../src/scaler/index.js';

describe('cost model documents', () => {
  const model = { costs: { 'GET /a': 0.01, 'POST /b': 0.2 }, base: 0.1, r2: 0.93, samples: 40 };
  it('round-trips what cost fit writes, and reads files written before kind/version existed', () => {
    expect(parseCostModel(JSON.parse(JSON.stringify(costModelDocument(model))), 'c.json')).toEqual(model);
    expect(parseCostModel(model, 'old.json')).toEqual(model);
  });
  it('refuses other kinds, unknown versions, missing or negative costs, naming the file and every problem', () => {
    const refuse = (doc: unknown): string => {
      try { parseCostModel(doc, 'c.json'); } catch (err) { expect((err as { code: string }).code).toBe('ST_ERR_INPUT_FORMAT'); return (err as Error).message; }
      throw new Error('accepted');
    };
    expect(refuse({ ...costModelDocument(model), version: 99 })).toMatch(/c\.json.*version 99 is not supported/);
    expect(refuse({ kind: 'shadowtwin.run-report', version: 1 })).toMatch(/kind is "shadowtwin.run-report".*costs is missing.*base is missing/);
    expect(refuse({ costs: { 'GET /a': -1 }, base: 0 })).toMatch(/GET \/a are not numbers ≥ 0/);
    expect(refuse({ costs: {}, base: 0 })).toMatch(/costs is empty/);
    expect(refuse([1, 2])).toMatch(/not a cost model/);
    expect(refuse('text')).toMatch(/not a cost model/);
  });
});
