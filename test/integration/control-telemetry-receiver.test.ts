import { status as Status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { ShadowtwinError, type WindowDocument } from '../../src/common/index.js';
import { startTelemetryReceiver, windowToProto, type TelemetryBatch, type TelemetryReceiver, type TelemetryReceiverOptions } from '../../src/control/index.js';
import { codeOf } from '../helpers/error-code.js';
import { openRawStream, type RawStream } from '../helpers/telemetry-client.js';
import { waitUntil } from '../helpers/wait.js';
import { makeWindow } from '../helpers/windows.js';

const TOKEN = 'receiver-test-token';
let receiver: TelemetryReceiver | undefined;
const streams: RawStream[] = [];

afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  await receiver?.close();
  receiver = undefined;
});

async function start(o: Partial<TelemetryReceiverOptions> & Pick<TelemetryReceiverOptions, 'commit'>): Promise<TelemetryReceiver> {
  receiver = await startTelemetryReceiver({ token: TOKEN, ...o });
  return receiver;
}
function open(token: string | undefined = TOKEN, withToken = true): RawStream {
  const s = openRawStream(receiver!.address, withToken ? token : undefined);
  streams.push(s);
  return s;
}
const windows = (n: number, from = 0): WindowDocument[] => Array.from({ length: n }, (_, i) => makeWindow(Date.now() - 1000, from + i));

describe('TelemetryReceiver', () => {
  it('acknowledges a batch only after its commit resolved', async () => {
    const committed: TelemetryBatch[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    await start({
      commit: async (b) => {
        if (b.batchId === 'slow') await held;
        committed.push(b);
      },
    });
    const s = open();
    s.send('slow', windows(3));
    // A second stream's batch commits and is acked while the first is held:
    // the receiver had every chance to ack "slow" early.
    const other = open();
    other.send('fast', windows(1), 'shop/shop-2');
    await other.ackFor('fast');
    expect(s.acks).toEqual([]);
    expect(committed.map((b) => b.batchId)).toEqual(['fast']);
    release();
    const ack = await s.ackFor('slow');
    expect(ack).toEqual({ batchId: 'slow', accepted: 3, rejected: 0, rejections: [], duplicate: false });
    expect(committed.map((b) => b.batchId)).toEqual(['fast', 'slow']);
    const slow = committed[1]!;
    expect(slow.sender).toBe('shop/shop-1');
    expect(slow.peer).toMatch(/127\.0\.0\.1:\d+/);
    expect(slow.windows).toEqual(windows(3).map((w, i) => ({ ...w, start: slow.windows[i]!.start, end: slow.windows[i]!.end })));
    expect(receiver!.stats()).toMatchObject({ batches: 2, windowsAccepted: 4, duplicates: 0 });
  });

  it('refuses a stream without the token or with a wrong one: UNAUTHENTICATED, nothing committed', async () => {
    let commits = 0;
    await start({ commit: async () => { commits++; } });
    for (const token of [undefined, 'wrong-token']) {
      const s = open(token, token !== undefined);
      s.send('b1', windows(1));
      const err = await s.failed();
      expect(err.code).toBe(Status.UNAUTHENTICATED);
      expect(err.details).toMatch(/^ST_ERR_CONTROL_UNAUTHENTICATED: .*authorization: Bearer/);
      expect(err.metadata.get('x-shadowtwin-error')).toEqual(['ST_ERR_CONTROL_UNAUTHENTICATED']);
    }
    expect(commits).toBe(0);
    expect(receiver!.stats().unauthenticated).toBe(2);
  });

  it('rejects bad windows one by one with their reasons and commits the valid rest of the batch', async () => {
    const committed: TelemetryBatch[] = [];
    await start({ commit: async (b) => { committed.push(b); } });
    const good = windows(2);
    const badHdr = windowToProto(makeWindow(Date.now(), 9));
    badHdr.routes[0]!.histogram = 'HIST' + badHdr.routes[0]!.histogram.slice(10);
    const future = windowToProto(makeWindow(Date.now() + 3_600_000, 5));
    const ancient = windowToProto(makeWindow(Date.now() - 30 * 86_400_000, 6));
    const noService = windowToProto(makeWindow(Date.now(), 7));
    noService.source!.service = '';
    const s = open();
    s.sendMessage({ batchId: 'mixed', sender: 'shop/shop-1', windows: [windowToProto(good[0]!), badHdr, future, ancient, noService, windowToProto(good[1]!)] });
    const ack = await s.ackFor('mixed');
    expect(ack.accepted).toBe(2);
    expect(ack.rejected).toBe(4);
    expect(ack.rejections.map((r) => [r.index, r.code])).toEqual([
      [1, 'ST_ERR_HISTOGRAM_DECODE'], [2, 'ST_ERR_CONTROL_WINDOW_TIME'], [3, 'ST_ERR_CONTROL_WINDOW_TIME'], [4, 'ST_ERR_INPUT_FORMAT'],
    ]);
    expect(ack.rejections[0]!.reason).toMatch(/window 1 of batch mixed: route GET \/r0\/:id: could not decode histogram/);
    expect(ack.rejections[1]!.reason).toMatch(/in the future/);
    expect(ack.rejections[2]!.reason).toMatch(/ago, longer than/);
    expect(ack.rejections[3]!.reason).toMatch(/source\.service/);
    expect(committed).toHaveLength(1);
    expect(committed[0]!.windows).toEqual(good);
    expect(receiver!.stats().windowsRejected).toEqual({ ST_ERR_HISTOGRAM_DECODE: 1, ST_ERR_CONTROL_WINDOW_TIME: 2, ST_ERR_INPUT_FORMAT: 1 });
    // The stream stays open for the next batch.
    s.send('next', windows(1));
    expect((await s.ackFor('next')).accepted).toBe(1);
  });

  it('ends the stream with INVALID_ARGUMENT for a batch without an id or with too many windows', async () => {
    let commits = 0;
    await start({ commit: async () => { commits++; }, maxWindowsPerBatch: 5 });
    const a = open();
    a.send('', windows(1));
    const e1 = await a.failed();
    expect(e1.code).toBe(Status.INVALID_ARGUMENT);
    expect(e1.details).toMatch(/^ST_ERR_CONTROL_BATCH_INVALID: a telemetry batch needs a batch_id \(1-128 characters\) and a sender/);
    const long = open();
    long.send('x'.repeat(129), windows(1));
    expect((await long.failed()).code).toBe(Status.INVALID_ARGUMENT);
    const b = open();
    b.send('big', windows(6));
    const e2 = await b.failed();
    expect(e2.code).toBe(Status.INVALID_ARGUMENT);
    expect(e2.details).toMatch(/holds 6 windows; the controller takes at most 5/);
    expect(commits).toBe(0);
  });

  it('refuses a message over the size limit with RESOURCE_EXHAUSTED and commits nothing', async () => {
    let commits = 0;
    await start({ commit: async () => { commits++; }, maxMessageBytes: 64 * 1024 });
    const s = open();
    const huge = windowToProto(makeWindow(Date.now()));
    huge.routes[0]!.route = '/x'.repeat(50_000);
    s.sendMessage({ batchId: 'huge', sender: 'shop/shop-1', windows: [huge] });
    const err = await s.failed();
    expect(err.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(err.details).toMatch(/larger than max/i);
    expect(commits).toBe(0);
    // The server still serves others.
    const t = open();
    t.send('small', windows(1));
    expect((await t.ackFor('small')).accepted).toBe(1);
  });

  it('commits a resent batch id once: a duplicate ack on the same and on a new stream', async () => {
    const ids: string[] = [];
    await start({ commit: async (b) => { ids.push(b.batchId); } });
    const batch = windows(2);
    const s = open();
    s.send('b-1', batch);
    await s.ackFor('b-1');
    s.send('b-1', batch);
    await waitUntil(() => s.acks.length === 2, 'the second ack');
    expect(s.acks[1]).toMatchObject({ batchId: 'b-1', duplicate: true, accepted: 0 });
    const t = open();
    t.send('b-1', batch);
    expect(await t.ackFor('b-1')).toMatchObject({ duplicate: true });
    t.send('b-1', batch, 'shop/other-pod');
    await waitUntil(() => t.acks.length === 2, 'the other sender\'s ack');
    expect(t.acks[1]).toMatchObject({ duplicate: false, accepted: 2 });
    expect(ids).toEqual(['b-1', 'b-1']);
    expect(receiver!.stats()).toMatchObject({ batches: 2, duplicates: 2 });
  });

  it('ends the stream with UNAVAILABLE when the commit fails, and commits the resend', async () => {
    let fail = true;
    const ids: string[] = [];
    await start({ commit: async (b) => { if (fail) throw new Error('disk I/O error'); ids.push(b.batchId); } });
    const s = open();
    s.send('b-1', windows(1));
    const err = await s.failed();
    expect(err.code).toBe(Status.UNAVAILABLE);
    expect(err.details).toMatch(/^ST_ERR_CONTROL_COMMIT_FAILED: batch b-1 from shop\/shop-1 was not stored \(disk I\/O error\)/);
    fail = false;
    const t = open();
    t.send('b-1', windows(1));
    expect(await t.ackFor('b-1')).toMatchObject({ accepted: 1, duplicate: false });
    expect(ids).toEqual(['b-1']);
    expect(receiver!.stats().commitFailures).toBe(1);
  });

  it('slows a flooding stream to its rate instead of buffering it', async () => {
    const commits: { at: number; windows: number }[] = [];
    const rate = 100;
    const burst = 10;
    const t0 = Date.now();
    await start({ commit: async (b) => { commits.push({ at: Date.now(), windows: b.windows.length }); }, maxWindowsPerSecond: rate, burstWindows: burst, maxWindowsPerBatch: 10 });
    const s = open();
    for (let i = 0; i < 10; i++) s.send(`f-${i}`, windows(10, i * 10));
    await waitUntil(() => s.acks.length === 10, 'all 10 batches acked');
    expect(receiver!.stats().throttled).toBeGreaterThan(0);
    // Never more than the bucket allows by the time of each commit (an upper bound: a slow machine only commits later).
    let total = 0;
    for (const c of commits) {
      total += c.windows;
      expect(total).toBeLessThanOrEqual(burst + rate * ((c.at - t0) / 1000) + 1);
    }
    expect(total).toBe(100);
  });

  it('refuses a non-loopback address without a token, saying how to set one', async () => {
    const err = await startTelemetryReceiver({ listen: '0.0.0.0:0', commit: async () => {} }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ShadowtwinError);
    expect((err as ShadowtwinError).code).toBe('ST_ERR_USAGE');
    expect((err as ShadowtwinError).message).toMatch(/--grpc 0\.0\.0\.0:0 is not a loopback address: set --token or --token-file/);
    expect(await codeOf(startTelemetryReceiver({ listen: 'nonsense', commit: async () => {} }))).toBe('ST_ERR_USAGE');
  });
});
