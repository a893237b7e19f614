import { describe, expect, it } from 'vitest';
import { buildReport, checkRunReport, mergeReports, missingSegments, RunRecorder, unansweredRun, type RunReport } from '../../../src/generator/index.js';

function report(outcomes: Array<[string, number]>, segment?: { index: number; count: number }): RunReport {
  const r = new RunRecorder();
  let at = 0;
  for (const [outcome, n] of outcomes) {
    for (let i = 0; i < n; i++, at += 10) {
      r.arrival(at, 0);
      r.send(at, 0);
      const status = /^\dxx$/.test(outcome) ? Number(outcome[0]) * 100 : undefined;
      r.complete('/a', 'GET', at, 2, outcome as never, status, 0, 10, undefined);
    }
  }
  return buildReport(r, { tool: 'shadowtwin', version: 't', target: 'http://127.0.0.1:1', executor: 'constant-rate', source: 'fixed', seed: 1, start: '', durationMs: 1000, ...(segment ? { segment } : {}) });
}

describe('run report readers', () => {
  it('unansweredRun: only a run in which no request got any HTTP answer', () => {
    expect(unansweredRun(report([['refused', 5], ['timeout', 2]]))).toMatch(/none of the 7 requests .* \(refused 5, timeout 2\)/);
    expect(unansweredRun(report([['refused', 5], ['5xx', 1]]))).toBeUndefined();
    expect(unansweredRun(report([['4xx', 3]]))).toBeUndefined();
    expect(unansweredRun(report([]))).toBeUndefined();
  });

  it('checkRunReport: kind, version and body, naming the file and what is missing', () => {
    const good = JSON.parse(JSON.stringify(report([['2xx', 3]])));
    expect(checkRunReport(good, 'r.json')).toEqual(good);
    expect(() => checkRunReport({ ...good, version: 99 }, 'r.json')).toThrow(/r\.json: is a run report of version 99/);
    expect(() => checkRunReport({ kind: 'shadowtwin.run-report', version: 1 }, 'r.json')).toThrow(/r\.json: run report is missing or has malformed summary, histograms, meta, faults, timeline, thresholds/);
    expect(() => checkRunReport([], 'r.json')).toThrow(/r\.json: is not a JSON object/);
    expect(() => checkRunReport({ ...good, summary: { ...good.summary, requests: '3' } }, 'r.json')).toThrow(/summary\.requests/);
  });

  it('mergeReports refuses the same segment twice, mixed splits, and segments mixed with whole runs; missingSegments names the gaps', () => {
    const s0 = report([['2xx', 3]], { index: 0, count: 3 });
    const s1 = report([['2xx', 3]], { index: 1, count: 3 });
    const s0again = { ...s0, meta: { ...s0.meta, start: 'another run' } };
    expect(() => mergeReports([s0, s0again], undefined, ['a.json', 'b.json'])).toThrow('a.json and b.json are both segment 0/3');
    expect(() => mergeReports([s0, report([['2xx', 1]], { index: 1, count: 2 })])).toThrow(/split in 3/);
    expect(() => mergeReports([s0, report([['2xx', 1]])])).toThrow(/some reports are segments/);
    expect(mergeReports([s0, s1]).summary.requests).toBe(6);
    expect(missingSegments([s0, s1])).toEqual(['2/3']);
    expect(missingSegments([report([['2xx', 1]])])).toEqual([]);
  });

  it('mergeReports refuses the same run twice (also inside a merged report) and runs of different scenarios', () => {
    const run = (runId: string, scenarioId: string, index: number): RunReport => {
      const r = report([['2xx', 2]], { index, count: 2 });
      return { ...r, meta: { ...r.meta, runId, scenarioId } };
    };
    const a = run('run-a', 'scn-1', 0);
    const b = run('run-b', 'scn-1', 1);
    expect(() => mergeReports([a, a], undefined, ['r.json', 'r.json'])).toThrow('r.json and r.json contain the same run (runId run-a)');
    const merged = mergeReports([a, b]);
    expect(merged.summary.requests).toBe(4);
    expect(merged.meta.runIds).toEqual(['run-a', 'run-b']);
    expect(() => mergeReports([merged, a], undefined, ['all.json', 'a.json'])).toThrow(/all\.json and a\.json contain the same run/);
    expect(() => mergeReports([a, run('run-c', 'scn-2', 1)], undefined, ['a.json', 'c.json'])).toThrow(/a\.json and c\.json are runs of different scenarios \(scenario scn-1 vs scenario scn-2/);
    // Reports from before runId/scenarioId: the same file twice (same start) is still refused; another target is another scenario.
    const old = report([['2xx', 1]]);
    expect(() => mergeReports([old, old])).toThrow(/same run/);
    const other = report([['2xx', 1]]);
    expect(() => mergeReports([old, { ...other, meta: { ...other.meta, start: 'later', target: 'http://127.0.0.1:2' } }])).toThrow(/different scenarios/);
  });
});
