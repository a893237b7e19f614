import { describe, expect, it } from 'vitest';
import { seriesFromModel } from '../../../src/forecast/index.js';
import { denseCounts } from '../../../src/profiler/model/count-runs.js';
import { mergeModels, ModelBuilder, ModelSampler, rateSeries, renderModel, parseRequestModel, secondCounts, stepCounts, summarizeModel, upgradeModel, type RequestModel, type RequestModelV1 } from '../../../src/profiler/index.js';

const T0 = Date.UTC(2026, 10, 20, 9, 30);

function model(seed: number, from: number): RequestModel {
  const b = new ModelBuilder({ random: () => 0.5 });
  let t = from;
  let x = seed;
  for (let i = 0; i < 3000; i++) {
    x = (x * 16807) % 2147483647;
    t += x % 9000;
    b.add({ ts: t, method: 'GET', target: `/items/${x % 40}`, status: 200, resBytes: 100 + (x % 900), client: `10.0.0.${x % 30}` });
  }
  return b.build();
}

/** The same model as version 1 wrote it: dense arrays over the whole window. */
function asVersion1(m: RequestModel): RequestModelV1 {
  const steps = stepCounts(m.rate);
  const secs = secondCounts(m.rate);
  const { steps: _s, seconds: _c, ...shape } = m.rate;
  return { ...m, version: 1, rate: { ...shape, start: steps.slots[0]! * m.rate.stepMs, counts: denseCounts(steps), seconds: { start: secs.slots[0]!, counts: denseCounts(secs) } } };
}

describe('request model versions', () => {
  it('reads version-1 models (dense arrays) as the same counts, everywhere the rate is used', () => {
    const v2 = model(7, T0);
    const v1 = asVersion1(v2);
    expect(v1.rate.seconds.counts.length).toBeGreaterThan(v2.provenance.records);
    expect(upgradeModel(v1)).toEqual(v2);
    expect(parseRequestModel(JSON.parse(JSON.stringify(v1)), 'old.json')).toEqual(v2);
    const dense = rateSeries(v2.rate);
    expect(seriesFromModel(v1)).toEqual({ ...dense, values: dense.values.map((c) => (c * 1000) / dense.stepMs), unit: "req/s" });
    expect(summarizeModel(v1)).toEqual(summarizeModel(v2));
    expect(renderModel(v1)).toBe(renderModel(v2));
    expect(new ModelSampler(v1, 3).sample(500)).toEqual(new ModelSampler(v2, 3).sample(500));
    // Old and new shards merge, exactly as two new ones.
    const other = model(11, T0 + 3_600_000);
    expect(mergeModels([v1, other])).toEqual(mergeModels([v2, other]));
  });

  it('refuses a newer version and a model without a rate with a clear error', () => {
    const m = model(7, T0);
    expect(() => parseRequestModel({ ...m, version: 3 }, 'new.json')).toThrow(/new\.json is a request model of version 3; this shadowtwin reads versions 1 to 2/);
    expect(() => parseRequestModel({ ...m, rate: undefined }, 'x.json')).toThrow(expect.objectContaining({ code: 'ST_ERR_INPUT_FORMAT' }));
    expect(() => parseRequestModel({ kind: 'something-else' }, 'y.json')).toThrow(/not a shadowtwin request model/);
  });
});
