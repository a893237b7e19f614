import { describe, expect, it } from 'vitest';
import { isShadowtwinError, readDocument, REQUEST_MODEL_CONTRACT, upgradeRequestModel, versionsRead, type RequestModelV1 } from '../../../../src/common/index.js';
import { denseCounts } from '../../../../src/profiler/model/count-runs.js';
import { secondCounts, stepCounts } from '../../../../src/profiler/index.js';
import { CASES, requestModel } from './documents.js';

function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (err) {
    expect(isShadowtwinError(err), String(err)).toBe(true);
    return { code: (err as { code: string }).code, message: (err as Error).message };
  }
  throw new Error('accepted');
}

describe.each(CASES)('the $name contract', (c) => {
  const built = async (): Promise<Record<string, unknown>> => JSON.parse(JSON.stringify(await c.build())) as Record<string, unknown>;

  it('round-trips: built → JSON → readDocument → equal', async () => {
    const doc = await c.build();
    expect((doc as { kind: string }).kind).toBe(c.contract.kind);
    expect((doc as { version: number }).version).toBe(c.contract.version);
    expect(readDocument(c.contract, JSON.parse(JSON.stringify(doc)), 'doc.json')).toEqual(doc);
  });

  it('reads a document with a field it does not know (a newer minor revision)', async () => {
    const doc = await built();
    expect(readDocument(c.contract, { ...doc, addedLater: { any: 1 } }, 'doc.json')).toMatchObject(JSON.parse(JSON.stringify(await c.build())) as object);
  });

  it('refuses another kind and a non-object with ST_ERR_INPUT_FORMAT naming the file', async () => {
    const doc = await built();
    const other = refusal(() => readDocument(c.contract, { ...doc, kind: 'shadowtwin.other' }, 'doc.json'));
    expect(other.code).toBe('ST_ERR_INPUT_FORMAT');
    expect(other.message).toMatch(/^doc\.json/);
    for (const notObject of [[], null, 'text', 3]) {
      const r = refusal(() => readDocument(c.contract, notObject, 'doc.json'));
      expect(r.code).toBe('ST_ERR_INPUT_FORMAT');
      expect(r.message).toMatch(/^doc\.json/);
    }
  });

  it('refuses an unknown higher version with ST_ERR_CONTRACT_VERSION saying to upgrade', async () => {
    const doc = await built();
    const r = refusal(() => readDocument(c.contract, { ...doc, version: c.contract.version + 1 }, 'new.json'));
    expect(r.code).toBe('ST_ERR_CONTRACT_VERSION');
    expect(r.message).toMatch(/^new\.json/);
    expect(r.message).toMatch(new RegExp(`version ${c.contract.version + 1}`));
    expect(r.message).toMatch(/upgrade/);
    for (const v of [0, '1', null, 1.5]) expect(refusal(() => readDocument(c.contract, { ...doc, version: v }, 'odd.json')).code).toBe('ST_ERR_CONTRACT_VERSION');
  });

  it('refuses a bad shape with ST_ERR_INPUT_FORMAT listing the field', async () => {
    const damaged = c.damage(await built());
    const r = refusal(() => readDocument(c.contract, damaged, 'bad.json'));
    expect(r.code).toBe('ST_ERR_INPUT_FORMAT');
    expect(r.message).toMatch(/^bad\.json/);
    expect(r.message).toMatch(c.field);
  });
});

describe('contract details', () => {
  it('a version-1 request model is checked as version 1, then upgraded to the current version', () => {
    const v2 = requestModel();
    const steps = stepCounts(v2.rate);
    const secs = secondCounts(v2.rate);
    const { steps: _s, seconds: _c, ...shape } = v2.rate;
    const v1: RequestModelV1 = { ...v2, version: 1, rate: { ...shape, start: steps.slots[0]! * v2.rate.stepMs, counts: denseCounts(steps), seconds: { start: secs.slots[0]!, counts: denseCounts(secs) } } };
    const read = readDocument(REQUEST_MODEL_CONTRACT, JSON.parse(JSON.stringify(v1)), 'old.json');
    expect(read.version).toBe(2);
    expect(read).toEqual(upgradeRequestModel(v1));
    expect(read).toEqual(JSON.parse(JSON.stringify(v2)));
    // A damaged version-1 document is refused by its own schema (before the upgrade sees it).
    const bad = refusal(() => readDocument(REQUEST_MODEL_CONTRACT, { ...v1, rate: { ...v1.rate, counts: 'dense' } }, 'old.json'));
    expect(bad.code).toBe('ST_ERR_INPUT_FORMAT');
    expect(bad.message).toMatch(/rate\.counts/);
  });

  it('versionsRead names one version, a range, or a list', () => {
    expect(versionsRead([1])).toBe('version 1');
    expect(versionsRead([1, 2, 3])).toBe('versions 1 to 3');
    expect(versionsRead([1, 3])).toBe('versions 1, 3');
  });
});

describe('counts are never negative', () => {
  it('a run report with negative summary or route counts is refused, naming the field', async () => {
    const { runReport } = await import('./documents.js');
    const { RUN_REPORT_CONTRACT } = await import('../../../../src/common/index.js');
    for (const mutate of [
      (r: any) => { r.summary.requests = -5; return 'summary.requests'; },
      (r: any) => { r.summary.errors = -100; return 'summary.errors'; },
      (r: any) => { r.histograms.routes[0].requests = -1; return 'histograms.routes.0'; },
      (r: any) => { r.summary.outcomes['2xx'] = 1.5; return 'summary.outcomes.2xx'; },
    ]) {
      const doc = JSON.parse(JSON.stringify(runReport()));
      const field = mutate(doc);
      let err: unknown;
      try { readDocument(RUN_REPORT_CONTRACT, doc, 'r.json'); } catch (e) { err = e; }
      expect(isShadowtwinError(err) && err.code).toBe('ST_ERR_INPUT_FORMAT');
      // The field is named (dots, or brackets for array indexes).
      expect((err as Error).message.replace(/\[(\d+)\]/g, '.$1')).toContain(field);
    }
  });
});
