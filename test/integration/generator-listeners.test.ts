import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachHtmlReport, attachProgress, attachSummary, parseScenario, prepareRun, startGeneratorMetrics, type Progress } from '../../src/generator/index.js';
import { runCli } from '../helpers/cli.js';
import { codeOf } from '../helpers/error-code.js';
import { startServer, type TestServer } from '../helpers/servers.js';
import { SMALL_LOG_PATH, writeSmallAccessLog } from '../helpers/small-model.js';
import { metricSum, waitUntil } from '../helpers/wait.js';

/** Renderers are library listeners on a run's events; prepareRun takes documents as well as files. */
describe('generator listeners and documents', () => {
  let s: TestServer;
  const paths: string[] = [];
  beforeAll(async () => { s = await startServer((req, res) => { paths.push(req.url ?? ''); res.end('ok'); }); });
  afterAll(() => s?.close());

  const fixed = (duration: string, rate = 50) => parseScenario({ target: s.url, duration, load: { executor: 'constant-rate', rate }, source: { path: '/x' } });

  it('the metrics endpoint is a listener: GET /metrics with the bearer token, JSON errors from the registry, closed when the run is done', async () => {
    const prepared = await prepareRun(fixed('1500ms'));
    const metrics = await startGeneratorMetrics(prepared.run, '127.0.0.1:0', 'secret-token-0123456789');
    const done = prepared.execute();
    const auth = { authorization: 'Bearer secret-token-0123456789' };
    let text = '';
    await waitUntil(async () => {
      text = await (await fetch(metrics.url, { headers: auth })).text();
      return metricSum(text, 'shadowtwin_generator_requests_completed_total') > 10;
    }, 'the run has completed requests');
    expect(text).toMatch(/^# TYPE shadowtwin_generator_transport_failures_total counter$/m);
    const anonymous = await fetch(metrics.url);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error.code).toBe('ST_ERR_ADMIN_UNAUTHORIZED');
    const elsewhere = await fetch(metrics.url.replace(/\/metrics$/, '/nope'), { headers: auth });
    expect(elsewhere.status).toBe(404);
    expect((await elsewhere.json()).error).toMatchObject({ code: 'ST_ERR_ADMIN_NOT_FOUND', message: expect.stringContaining('try /metrics') as unknown });
    await done;
    // It closed itself on `done`; closing again is harmless.
    await expect(fetch(metrics.url, { headers: auth })).rejects.toThrow();
    await metrics.close();
  });

  it('progress, summary and HTML renderers attach to a run and write what its events carry; a detached one writes nothing', async () => {
    const prepared = await prepareRun(fixed('1200ms'));
    const progress: string[] = [];
    const summary: string[] = [];
    const html: string[] = [];
    const detached: string[] = [];
    attachProgress(prepared.run, { write: (t) => progress.push(t), tty: false });
    attachSummary(prepared.run, (t) => summary.push(t));
    attachHtmlReport(prepared.run, (h) => html.push(h));
    attachSummary(prepared.run, (t) => detached.push(t))();
    const report = await prepared.execute();
    const last = JSON.parse(progress.at(-1)!) as { progress: Progress };
    expect(last.progress.requests).toBe(report.summary.requests);
    expect(summary).toHaveLength(1);
    expect(summary[0]).toContain(`requests ${report.summary.requests}  intended ${report.summary.intended}`);
    expect(html).toHaveLength(1);
    expect(html[0]).toMatch(/^<!doctype html>/);
    expect(detached).toEqual([]);
  });

  it('runs a request model given as a document (no file), and refuses a damaged one naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-gen-docs-'));
    const log = join(dir, 'access.log');
    const file = join(dir, 'model.json');
    writeSmallAccessLog(log);
    expect(await runCli(['profile', 'build', log, '--format', 'combined', '-o', file]).exit).toBe(0);
    const model: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const scenario = { target: s.url, duration: '1s', seed: 3, load: { executor: 'constant-rate', rate: 30 }, source: { kind: 'model' } };
    // Without the document, a model source still needs its file.
    expect(await codeOf(Promise.resolve().then(() => parseScenario(scenario)))).toBe('ST_ERR_SCENARIO_INVALID');
    paths.length = 0;
    const report = await (await prepareRun(parseScenario(scenario, { model }), { inputs: { model } })).execute();
    expect(report.summary.requests).toBeGreaterThan(10);
    expect(paths.length).toBe(report.summary.requests);
    for (const p of paths) expect(p).toMatch(SMALL_LOG_PATH);
    const damaged = { ...(model as object), routes: 'none' };
    const err = await prepareRun(parseScenario(scenario, { model: damaged }), { inputs: { model: damaged } }).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'ST_ERR_INPUT_FORMAT', message: expect.stringContaining('the request model given') as unknown });
  });

  it('capture records given as documents are read like a capture file: headers pass, unusable and unsendable entries are skipped and counted', async () => {
    const records = [
      { shadowtwin: 'capture', version: 1 },
      { ts: 1, method: 'GET', path: '/a', status: 200, reqBytes: 0, resBytes: 0 },
      { ts: 2, method: 'GET' },
      { ts: 3, method: 'GET', path: '/b\r\nX: y', status: 200, reqBytes: 0, resBytes: 0 },
      { ts: 4, method: 'GET', path: '/c', status: 200, reqBytes: 0, resBytes: 0 },
    ];
    const copy = structuredClone(records);
    paths.length = 0;
    const sc = parseScenario({ target: s.url, load: { executor: 'replay' }, source: { kind: 'replay' } }, { records });
    const prepared = await prepareRun(sc, { inputs: { records } });
    expect(prepared.skipped?.byReason).toEqual({ missing_fields: 1, bad_target: 1 });
    expect(prepared.skipped?.examples.map((e) => e.line)).toEqual([3, 4]);
    const report = await prepared.execute();
    expect(report.summary.requests).toBe(2);
    expect(paths.sort()).toEqual(['/a', '/c']);
    expect(records).toEqual(copy); // the caller's documents are not changed
  });
});
