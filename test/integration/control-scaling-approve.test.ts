import { credentials, Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { bearerMetadata, scalingPb } from '../../src/control/index.js';
import { api, feedRisingRate, scalingRig, TOKEN, type ScalingRig } from '../helpers/scaling-setup.js';
import { waitUntil } from '../helpers/wait.js';

type Unary<Req, Res> = (req: Req, md: Metadata, cb: (err: ServiceError | null, res: Res) => void) => unknown;
function call<Req, Res>(client: scalingPb.ScalingServiceClient, fn: Unary<Req, Res>, req: Req, token: string | undefined = TOKEN): Promise<Res> {
  return new Promise((resolve, reject) => { fn.call(client, req, bearerMetadata(token), (err, res) => (err ? reject(err) : resolve(res))); });
}

describe('controller scaling: approve mode', () => {
  let rig: ScalingRig | undefined;
  afterEach(async () => { await rig?.close(); rig = undefined; });

  it('validates, then waits: applied only when approved (HTTP), rejected with a reason, over gRPC too, and a restart resumes the loop and the records', async () => {
    rig = await scalingRig();
    let rate = 35;
    const config = rig.config({ mode: 'approve' });
    const c = await rig.start(config, () => rate);
    await feedRisingRate(c);
    await waitUntil(() => c.scaling.list({ service: 'shop' }).some((r) => r.pending), 'a pending proposal', 30_000);
    const [pending] = c.scaling.list({ service: 'shop' }).filter((r) => r.pending);
    expect(pending!.record).toMatchObject({ decision: 'dry-run', mode: 'approve', proposal: { current: 1, replicas: 2 } });
    expect(pending!.record.validation[0]).toMatchObject({ replicas: 2, pass: true });
    const served = rig.pool.stats().reduce((a, s) => a + s.served, 0);
    expect(served).toBeGreaterThan(20);
    // Validated at 2, but not applied: the secondary is back at 1 and stays there while the proposal waits.
    await waitUntil(async () => (await rig!.members()).length === 1, 'the secondary back at 1 host');
    const http = c.addresses.http;
    const listed = await api('GET', `${http}/api/v1/proposals?service=shop`);
    expect(listed.body.proposals.filter((p: { pending: boolean }) => p.pending).map((p: { id: string }) => p.id)).toEqual([pending!.id]);
    expect((await api('GET', `${http}/api/v1/state`)).body.services[0].scaling.lastDecision).toMatchObject({ id: pending!.id, pending: true, decision: 'dry-run' });
    // Only one proposal waits at a time: rounds pause.
    expect(c.scaling.list({ service: 'shop' }).filter((r) => r.record.decision === 'dry-run')).toHaveLength(1);

    // Bad requests: registry errors as JSON; no token: 401.
    expect((await api('POST', `${http}/api/v1/proposals/approve?id=${encodeURIComponent(pending!.id)}`, null)).status).toBe(401);
    const missing = await api('POST', `${http}/api/v1/proposals/approve`);
    expect([missing.status, missing.body.error.code]).toEqual([400, 'ST_ERR_ADMIN_BAD_REQUEST']);
    const unknown = await api('POST', `${http}/api/v1/proposals/approve?id=shop:web:1`);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'ST_ERR_CONTROL_PROPOSAL_NOT_FOUND']);
    const noReason = await api('POST', `${http}/api/v1/proposals/reject?id=${encodeURIComponent(pending!.id)}`);
    expect(noReason.status).toBe(400);

    // Approve over HTTP: applied through the actuator.
    const approved = await api('POST', `${http}/api/v1/proposals/approve?id=${encodeURIComponent(pending!.id)}`);
    expect(approved.status).toBe(200);
    expect(approved.body.record).toMatchObject({ decision: 'applied', applied: 'membership set to 2 host(s)', review: { action: 'approved' } });
    expect(await rig.members()).toEqual(rig.pool.urls.slice(0, 2));
    // The cooldown counts from the approval (stored with the loop's state).
    expect(c.scaling.loops[0]!.state().lastChangeAt).toBe(approved.body.record.review.at);
    const again = await api('POST', `${http}/api/v1/proposals/approve?id=${encodeURIComponent(pending!.id)}`);
    expect([again.status, again.body.error.code]).toEqual([409, 'ST_ERR_CONTROL_PROPOSAL_NOT_PENDING']);
    expect(again.body.error.message).toMatch(/it was approved/);
    const decisions = c.store.eventsSince(0, 1_000, { kind: 'decision' }).map((e) => e.payload as { id: string; review?: string });
    expect(decisions.filter((d) => d.id === pending!.id).map((d) => d.review ?? 'pending')).toEqual(['pending', 'approved']);

    // The forecast rises: a proposal of 3 waits; rejected over gRPC with a reason.
    rate = 55;
    await waitUntil(() => c.scaling.list({ service: 'shop' }).some((r) => r.pending), 'a second pending proposal', 30_000);
    const second = c.scaling.list({ service: 'shop' }).find((r) => r.pending)!;
    expect(second.record.proposal).toMatchObject({ current: 2, replicas: 3 });
    const client = new scalingPb.ScalingServiceClient(c.addresses.grpc, credentials.createInsecure());
    try {
      const list = await call(client, client.list, { target: 'web', limit: 10 });
      const p = list.proposals.find((x) => x.id === second.id)!;
      expect(p).toMatchObject({ target: 'web', decision: scalingPb.Decision.DECISION_PENDING, size: { $case: 'replicas', value: 3 } });
      expect(JSON.parse(p.validation!.json).validation[0].pass).toBe(true);
      expect(list.proposals.find((x) => x.id === pending!.id)!.decision).toBe(scalingPb.Decision.DECISION_APPLIED);
      await expect(call(client, client.list, { target: '', limit: 0 }, 'wrong-token-0123456789')).rejects.toMatchObject({ code: Status.UNAUTHENTICATED });
      await expect(call(client, client.reject, { id: second.id, reason: '' })).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT, details: expect.stringMatching(/reason is required/) });
      await expect(call(client, client.approve, { id: '' })).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT });
      await expect(call(client, client.approve, { id: 'shop:web:2' })).rejects.toMatchObject({ code: Status.NOT_FOUND });
      await expect(call(client, client.propose, { target: 'nope' })).rejects.toMatchObject({ code: Status.NOT_FOUND });
      const rejected = await call(client, client.reject, { id: second.id, reason: 'not during the sale' });
      expect(rejected).toMatchObject({ id: second.id, decision: scalingPb.Decision.DECISION_REJECTED });
      // WatchEvents: the stored events after an id, then live ones (the rejection's decision).
      const seen: scalingPb.Event[] = [];
      const watch = client.watchEvents({ afterId: 1 }, bearerMetadata(TOKEN));
      watch.on('data', (e: scalingPb.Event) => seen.push(e));
      watch.on('error', () => undefined);
      await waitUntil(() => seen.some((e) => e.type === 'decision' && JSON.parse(e.json).review === 'rejected'), 'the rejection streamed');
      expect(seen.map((e) => e.type)).toEqual(expect.arrayContaining(['pod-joined', 'proposal', 'validation', 'decision']));
      expect(seen.map((e) => e.id)).toEqual([...seen.map((e) => e.id)].sort((x, y) => x - y));
      watch.cancel();
      // Propose while the rounds run: a new record or the one waiting; either way a Proposal of the target.
      const proposed = await call(client, client.propose, { target: 'web' });
      expect(proposed.target).toBe('web');
    } finally {
      client.close();
    }
    const rejectedRec = c.scaling.records.get(second.id);
    expect(rejectedRec).toMatchObject({ decision: 'rejected', review: { action: 'rejected', reason: 'not during the sale' } });
    expect(await rig.members()).toHaveLength(2);

    // Restart on the same data dir: the records and the loop's state come back.
    const before = c.scaling.loops[0]!.state();
    const ids = c.scaling.list({ service: 'shop' }).map((r) => r.id);
    await c.stop();
    const c2 = await rig.start(config, () => 0);
    const after = c2.scaling.loops[0]!.state();
    expect(after.rates).toEqual(before.rates);
    expect(after.feedback).toEqual(before.feedback);
    expect(after.decisions.map((d) => d.startedAt)).toEqual(before.decisions.map((d) => d.startedAt));
    expect(c2.scaling.list({ service: 'shop' }).map((r) => r.id)).toEqual(expect.arrayContaining(ids));
    expect(c2.scaling.records.get(second.id).review).toMatchObject({ action: 'rejected', reason: 'not during the sale' });
    const afterRestart = await api('POST', `${c2.addresses.http}/api/v1/proposals/approve?id=${encodeURIComponent(second.id)}`);
    expect(afterRestart.status).toBe(409);
  });

  it('expires a proposal nobody approved within approveWithin, then proposes again', async () => {
    rig = await scalingRig();
    const c = await rig.start(rig.config({ mode: 'approve', approveWithin: '1s' }), () => 35);
    await feedRisingRate(c);
    await waitUntil(() => c.scaling.list({ service: 'shop' }).some((r) => r.record.review?.action === 'expired'), 'an expired proposal', 30_000);
    const expired = c.scaling.list({ service: 'shop' }).find((r) => r.record.review?.action === 'expired')!;
    expect(expired).toMatchObject({ pending: false, record: { decision: 'dry-run', review: { reason: 'not approved within 1s' } } });
    await waitUntil(() => c.scaling.list({ service: 'shop' }).some((r) => r.pending && r.record.startedAt > expired.record.startedAt), 'a new pending proposal', 30_000);
    const late = await api('POST', `${c.addresses.http}/api/v1/proposals/approve?id=${encodeURIComponent(expired.id)}`);
    expect([late.status, late.body.error.code]).toEqual([409, 'ST_ERR_CONTROL_PROPOSAL_NOT_PENDING']);
    expect(late.body.error.message).toMatch(/it was expired/);
    expect(await rig.members()).toHaveLength(1);
  });
});
