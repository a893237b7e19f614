import { describe, expect, it } from 'vitest';
import { modelList } from '../../../src/cli/forecast-command.js';

describe('forecast --models with --lstm, --prophet, --clean-anomalies', () => {
  it('adds the flagged models to an explicit list instead of dropping them', () => {
    expect(modelList({ models: 'smedian-7,mstl-day-week', lstm: true })).toEqual(['smedian-7', 'mstl-day-week', 'lstm']);
    expect(modelList({ models: 'smedian-7', prophet: true, lstm: true })).toEqual(['smedian-7', 'lstm', 'prophet']);
    expect(modelList({ models: 'holt-winters,smedian-7', cleanAnomalies: true })).toEqual(['holt-winters', 'smedian-7', 'holt-winters+clean']);
    expect(modelList({ models: 'snaive,lstm', lstm: true })).toEqual(['snaive', 'lstm']);
  });

  it('leaves auto alone (the flags are options of the automatic choice)', () => {
    expect(modelList({ models: 'auto', lstm: true, prophet: true })).toBe('auto');
  });

  it('refuses --clean-anomalies when no listed model can be refitted on a cleaned history', () => {
    expect(() => modelList({ models: 'smedian-7,naive', cleanAnomalies: true })).toThrow(expect.objectContaining({ code: 'ST_ERR_USAGE', message: expect.stringMatching(/--clean-anomalies .*add one, or drop --clean-anomalies/) }));
  });
});
