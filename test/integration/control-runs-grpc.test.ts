import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status as Status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { Controller, bearerMetadata, loadPb, parseControllerConfig, windowFromProto, windowPb } from '../../src/control/index.js';
import { startServer } from '../helpers/servers.js';
import { waitUntil } from '../helpers/wait.js';

const TOKEN = 'runs-grpc-token-0123456789abcdef';

function unary<Req, Res>(client: loadPb.LoadServiceClient, method: 'start' | 'adjust' | 'stop' | 'getReport', req: Req, md: Metadata): Promise<Res> {
  return new Promise((resolve, reject) => {
    (client[method] as unknown as (r: Req, m: Metadata, cb: (e: ServiceError | null, v: Res) => void) => void).call(client, req, md, (e, v) => (e ? reject(e) : resolve(v)));
  });
}

describe('controller LoadService (gRPC)', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

  it('Start, Watch (the run\'s windows as they close), Adjust, Stop, GetReport; UNAUTHENTICATED without the token; INVALID_ARGUMENT with the reason', async () => {
    let served = 0;
    const secondary = await startServer((req, res) => { served++; req.resume(); res.end('ok'); });
    cleanup.push(() => secondary.close());
    const dir = mkdtempSync(join(tmpdir(), 'st-runs-grpc-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const c = await Controller.start({ config: parseControllerConfig({ grpc: '127.0.0.1:0', http: '127.0.0.1:0', data: dir, token: TOKEN, windowMs: '1s' }), defaultMetrics: false });
    cleanup.push(() => c.stop());
    const client = new loadPb.LoadServiceClient(c.addresses.grpc, credentials.createInsecure());
    cleanup.push(() => client.close());
    const md = bearerMetadata(TOKEN);
    const scenario = { target: secondary.url, duration: '30s', load: { executor: 'constant-rate', rate: 30 }, source: { path: '/g' } };
    const req: loadPb.StartRunRequest = { service: 'shop', load: { $case: 'scenario', value: { kind: 'shadowtwin.scenario', version: 1, json: JSON.stringify(scenario) } }, durationMs: 0 };

    const noToken = await unary(client, 'start', req, bearerMetadata(undefined)).catch((e: ServiceError) => e);
    expect((noToken as ServiceError).code).toBe(Status.UNAUTHENTICATED);
    const invalid = await unary(client, 'start', { service: 'shop', load: { $case: 'modelRate', value: -3 }, durationMs: 0 }, md).catch((e: ServiceError) => e);
    expect((invalid as ServiceError).code).toBe(Status.INVALID_ARGUMENT);
    expect((invalid as ServiceError).details).toMatch(/ST_ERR_CONTROL_RUN_INVALID: model_rate -3/);
    const badScenario = await unary(client, 'start', { ...req, load: { $case: 'scenario', value: { kind: 'shadowtwin.scenario', version: 1, json: JSON.stringify({ target: secondary.url }) } } }, md).catch((e: ServiceError) => e);
    expect((badScenario as ServiceError).code).toBe(Status.INVALID_ARGUMENT);
    expect((badScenario as ServiceError).details).toMatch(/ST_ERR_SCENARIO_INVALID.*load/s);

    const run = await unary<loadPb.StartRunRequest, loadPb.Run>(client, 'start', req, md);
    expect(run.state).toBe(loadPb.RunState.RUN_STATE_RUNNING);
    expect(run.service).toBe('shop');

    const noTokenWatch = client.watch({ runId: run.runId }, bearerMetadata(undefined));
    const watchErr = await new Promise<ServiceError>((resolve) => { noTokenWatch.on('error', resolve); noTokenWatch.on('data', () => undefined); });
    expect(watchErr.code).toBe(Status.UNAUTHENTICATED);

    const watched: windowPb.WindowDocument[] = [];
    let ended = false;
    const stream = client.watch({ runId: run.runId }, md);
    stream.on('data', (w: windowPb.WindowDocument) => watched.push(w));
    stream.on('end', () => { ended = true; });
    stream.on('error', () => { ended = true; });
    await waitUntil(() => watched.length >= 2, 'two windows watched');
    const w = windowFromProto(watched[0]!);
    expect(w.source).toMatchObject({ service: 'shop', role: 'generator', runId: run.runId });

    const adjusted = await unary<loadPb.AdjustRunRequest, loadPb.Run>(client, 'adjust', { runId: run.runId, factor: 1.5 }, md);
    expect(adjusted.factor).toBe(1.5);
    const badFactor = await unary(client, 'adjust', { runId: run.runId, factor: 0 }, md).catch((e: ServiceError) => e);
    expect((badFactor as ServiceError).code).toBe(Status.INVALID_ARGUMENT);
    const unknown = await unary(client, 'stop', { runId: 'nope' }, md).catch((e: ServiceError) => e);
    expect((unknown as ServiceError).code).toBe(Status.NOT_FOUND);

    const stopped = await unary<loadPb.StopRunRequest, loadPb.Run>(client, 'stop', { runId: run.runId }, md);
    expect([loadPb.RunState.RUN_STATE_STOPPING, loadPb.RunState.RUN_STATE_FINISHED]).toContain(stopped.state);
    // The watch ends when the run does.
    await waitUntil(() => ended, 'the watch ended');
    await c.runs.finished(run.runId);
    const doc = await unary<loadPb.GetReportRequest, { kind: string; version: number; json: string }>(client, 'getReport', { runId: run.runId }, md);
    expect(doc.kind).toBe('shadowtwin.run-report');
    const report = JSON.parse(doc.json);
    expect(report.meta.runId).toBe(run.runId);
    expect(report.summary.requests).toBe(served);
    // The watch saw every window of the run (it opened before the first one closed): together they hold every request.
    const watchedRequests = watched.map(windowFromProto).reduce((a, x) => a + x.routes.reduce((b, r) => b + r.requests, 0), 0);
    expect(watchedRequests).toBe(served);
  }, 40_000);
});
