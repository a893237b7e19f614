import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { RouteStatsTable, SCALE_LOOP_STATE_KIND, ShadowtwinError, windowFromTable } from '../../src/common/index.js';
import { Controller } from '../../src/control/index.js';
import { startServer } from '../helpers/servers.js';
import { api, feedRisingRate, scalingRig, type ScalingRig } from '../helpers/scaling-setup.js';
import { waitUntil } from '../helpers/wait.js';

describe('controller scaling: auto mode', () => {
  let rig: ScalingRig | undefined;
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    await rig?.close();
    rig = undefined;
  });

  it('proposes a scale-up from the forecast, validates it with synthetic load against the secondary, applies it through the membership actuator and stores it all', async () => {
    rig = await scalingRig();
    const c = await rig.start(rig.config({ mode: 'auto' }), () => 35);
    expect(await rig.members()).toHaveLength(1);
    await feedRisingRate(c);
    await waitUntil(() => c.scaling.list({ service: 'shop' }).some((r) => r.record.decision === 'applied'), 'a proposal applied', 30_000);
    const [applied] = c.scaling.list({ service: 'shop' }).filter((r) => r.record.decision === 'applied');
    const rec = applied!.record;
    // 35 req/s at 20 req/s per replica: 2 replicas, from 1.
    expect(rec.proposal).toMatchObject({ target: 'web', current: 1, replicas: 2, confidence: 1 });
    expect(rec.proposal.expectedRate).toBeGreaterThanOrEqual(35);
    expect(rec.validation).toHaveLength(1);
    expect(rec.validation[0]).toMatchObject({ replicas: 2, pass: true, failed: [] });
    expect(rec.validation[0]!.requests).toBeGreaterThan(20);
    expect(rec.applied).toBe('membership set to 2 host(s)');
    // The validation run hit the secondary's workers (both in rotation during the run), with today's routes.
    const stats = rig.pool.stats();
    expect(stats[0]!.served).toBeGreaterThan(0);
    expect(stats[1]!.served).toBeGreaterThan(0);
    expect(stats[2]!.served).toBe(0);
    const byRoute = stats.reduce<Record<string, number>>((a, s) => { for (const [k, v] of Object.entries(s.byRoute)) a[k] = (a[k] ?? 0) + v; return a; }, {});
    expect(Object.keys(byRoute).sort()).toEqual(['/products/:id', '/search']);
    expect(byRoute['/products/:id']!).toBeGreaterThan(byRoute['/search']!);
    // Applied: the secondary's membership now has 2 hosts.
    expect(await rig.members()).toEqual(rig.pool.urls.slice(0, 2));
    // Events stored, in order, with the record's id.
    const kinds = c.store.eventsSince(0, 1_000, { service: 'shop' }).filter((e) => ['proposal', 'validation', 'decision'].includes(e.kind));
    expect(kinds.map((e) => e.kind).slice(0, 3)).toEqual(['proposal', 'validation', 'decision']);
    expect(kinds.every((e) => (e.payload as { id: string }).id === applied!.id)).toBe(true);
    // The API: records, and the state document.
    const list = await api('GET', `${c.addresses.http}/api/v1/proposals?service=shop&target=web`);
    expect(list.status).toBe(200);
    expect(list.body.proposals[0]).toMatchObject({ id: applied!.id, pending: false, record: { decision: 'applied' } });
    await waitUntil(async () => (await api('GET', `${c.addresses.http}/api/v1/state`)).body.services[0].scaling.replicas === 2, 'the state shows 2 replicas');
    const state = await api('GET', `${c.addresses.http}/api/v1/state`);
    expect(state.body.services[0].scaling.lastDecision).toMatchObject({ id: applied!.id, target: 'web', decision: 'applied', pending: false, replicas: 2 });
    // The loop's state is stored after the round.
    const saved = c.store.getDocument<{ decisions: unknown[]; rates: unknown[] }>(SCALE_LOOP_STATE_KIND, 'shop:web');
    expect(saved!.doc.rates.length).toBeGreaterThanOrEqual(20);
    expect(saved!.doc.decisions.length).toBeGreaterThanOrEqual(1);
    // Without the token: 401.
    expect((await api('GET', `${c.addresses.http}/api/v1/proposals`, null)).status).toBe(401);
    // Feedback: a secondary window over the SLO (p99 5 s > 3 s) raises the headroom by 10% at the next round.
    const loop = c.scaling.loops[0]!;
    expect(loop.state().feedback).toMatchObject({ headroom: 1, breaches: 0 });
    const slow = new RouteStatsTable();
    for (let i = 0; i < 50; i++) slow.get('/search', 'GET').record(200, 5_000, 0, 900, false);
    await c.ingest({ batchId: 'slow', sender: 'shop/shop-secondary', peer: 'test', windows: [windowFromTable({ service: 'shop', pod: 'shop-secondary', role: 'secondary' }, Date.now() - 1_000, Date.now(), slow)] });
    await waitUntil(() => loop.state().feedback.breaches === 1, 'the breach taken into feedback');
    expect(loop.state().feedback.headroom).toBe(1.1);
  });

  it('makes a conservative proposal when the forecast\'s backtest says it cannot be trusted: sized for the widest interval\'s upper bound', async () => {
    rig = await scalingRig();
    // Same forecast as above (35 req/s, 95% interval up to 45.5), but a backtest worse than naive with poor coverage.
    const c = await rig.start(rig.config({ mode: 'auto' }), () => 35, { relMae: 1.3, coverage: 0.5 });
    await feedRisingRate(c);
    await waitUntil(() => c.scaling.list({ service: 'shop' }).some((r) => r.record.decision === 'applied'), 'a proposal applied', 30_000);
    const rec = c.scaling.list({ service: 'shop' }).find((r) => r.record.decision === 'applied')!.record;
    // confidence = min(1, 0.5 / 0.8) × (1.5 − 1.3) = 0.125: 45.5 req/s planned → 3 replicas instead of 2.
    expect(rec.proposal.confidence).toBe(0.125);
    expect(rec.proposal.expectedRate).toBeGreaterThanOrEqual(45.5);
    expect(rec.proposal.replicas).toBe(3);
    expect(rec.proposal.reason).toMatch(/low forecast confidence 0\.125 \(< 0\.5\): planned on the 95% interval's upper bound/);
    const proposal = c.store.eventsSince(0, 1_000, { kind: 'proposal' })[0]!.payload as { conservative: boolean };
    expect(proposal.conservative).toBe(true);
    expect(await rig.members()).toEqual(rig.pool.urls);
  });

  it('fails validation when the secondary\'s CPU (read from a Prometheus query_range API) is above maxCpu, gives up after maxAttempts and puts the secondary back', async () => {
    // A local HTTP server speaking Prometheus's /api/v1/query_range JSON (not a real Prometheus).
    const queries: Array<{ query: string; start: number; end: number }> = [];
    const prom = await startServer((req, res) => {
      const u = new URL(req.url!, 'http://x');
      queries.push({ query: u.searchParams.get('query')!, start: Number(u.searchParams.get('start')) * 1000, end: Number(u.searchParams.get('end')) * 1000 });
      const start = Number(u.searchParams.get('start'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { pod: 'secondary' }, values: [[start, '0.3'], [start + 1, '0.9']] }] } }));
    });
    closers.push(() => prom.close());
    rig = await scalingRig();
    const cpuQuery = 'sum(rate(container_cpu_usage_seconds_total{pod=~"shop-secondary.*"}[1m]))';
    const c = await rig.start(rig.config({ mode: 'auto', validation: { maxCpu: 0.5, prometheus: { url: prom.url, cpu: cpuQuery } } }), () => 35);
    const t0 = Date.now();
    await feedRisingRate(c);
    await waitUntil(() => c.scaling.list({ service: 'shop' }).some((r) => r.record.decision === 'rejected'), 'a proposal given up', 30_000);
    const rec = c.scaling.list({ service: 'shop' }).find((r) => r.record.decision === 'rejected')!.record;
    // The proposal (2), then one size up (3): both failed on CPU only.
    expect(rec.validation.map((v) => v.replicas)).toEqual([2, 3]);
    for (const v of rec.validation) {
      expect(v.pass).toBe(false);
      expect(v.failed).toEqual(['cpu 0.9 > 0.5']);
      expect(v.requests).toBeGreaterThan(0);
    }
    expect(rec.applied).toBeUndefined();
    expect(queries.length).toBeGreaterThanOrEqual(2);
    expect(queries[0]!.query).toBe(cpuQuery);
    expect(queries[0]!.start).toBeGreaterThanOrEqual(Math.floor(t0 / 1000) * 1000);
    expect(queries[0]!.end).toBeGreaterThan(queries[0]!.start);
    // Nothing applied: the secondary is back at its size.
    await waitUntil(async () => (await rig!.members()).length === 1, 'the secondary back at 1 host');
  });

  it('refuses to start with a cost model it cannot read, naming the file, and leaves the data directory free', async () => {
    rig = await scalingRig();
    const base = rig.config({ mode: 'auto' });
    const target = { ...base.services[0]!.scaling[0]!, capacityPerReplica: undefined, costModel: { file: join(rig.dir, 'missing-cost.json'), resourcePerReplica: 1 } };
    const config = { ...base, services: [{ ...base.services[0]!, scaling: [target] }] };
    const err = await Controller.start({ config, defaultMetrics: false }).then(() => undefined, (e: ShadowtwinError) => e);
    expect(err).toBeInstanceOf(ShadowtwinError);
    expect(err!.code).toBe('ST_ERR_INPUT_UNREADABLE');
    expect(err!.message).toContain('missing-cost.json');
    // The store was closed: another controller takes the directory.
    const c = await rig.start(base, () => 35);
    expect(c.scaling.loops).toHaveLength(1);
  });
});
