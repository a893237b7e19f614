import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ShadowtwinError, type WindowDocument } from '../../src/common/index.js';
import { startTelemetryReceiver, TelemetryExporter, type TelemetryBatch, type TelemetryExporterOptions, type TelemetryReceiver } from '../../src/control/index.js';
import { waitUntil } from '../helpers/wait.js';
import { makeWindow } from '../helpers/windows.js';

const TOKEN = 'exporter-test-token';
const receivers: TelemetryReceiver[] = [];
const exporters: TelemetryExporter[] = [];
let tmp: string | undefined;

afterEach(async () => {
  for (const e of exporters.splice(0)) await e.close(0);
  for (const r of receivers.splice(0)) await r.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});

async function receiver(commit: (b: TelemetryBatch) => Promise<void>, listen = '127.0.0.1:0', extra: { tls?: { certFile: string; keyFile: string } } = {}): Promise<TelemetryReceiver> {
  const r = await startTelemetryReceiver({ listen, token: TOKEN, commit, ...extra });
  receivers.push(r);
  return r;
}
function exporter(target: string, o: Partial<TelemetryExporterOptions> = {}): TelemetryExporter {
  const e = new TelemetryExporter({ target, sender: 'shop/shop-1', token: TOKEN, flushIntervalMs: 20, backoff: { initialMs: 20, maxMs: 200 }, ...o });
  exporters.push(e);
  return e;
}
/** Window i of a run: its end time is its identity. */
const BASE = Date.now() - 60_000;
const win = (i: number): WindowDocument => makeWindow(BASE + i, i, 2);
const ids = (batches: TelemetryBatch[]): number[] => batches.flatMap((b) => b.windows.map((w) => w.end - BASE)).sort((a, b) => a - b);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('TelemetryExporter', () => {
  it('streams the windows an emitter emits and counts them acknowledged', async () => {
    const got: TelemetryBatch[] = [];
    const r = await receiver(async (b) => { got.push(b); });
    const e = exporter(r.address, { maxBatchWindows: 7 });
    const sidecar = new EventEmitter();
    e.attach(sidecar);
    for (let i = 0; i < 50; i++) sidecar.emit('window', win(i));
    await waitUntil(() => e.stats().windowsAcked === 50, 'all 50 windows acked');
    expect(ids(got)).toEqual(range(0, 50));
    expect(got.every((b) => b.windows.length <= 7 && b.sender === 'shop/shop-1')).toBe(true);
    expect(got[0]!.windows[0]).toEqual(win(0));
    expect(e.stats()).toMatchObject({ windows: 50, buffered: 0, unacked: 0, resent: 0, reconnects: 0, connected: true, dropped: { buffer_full: 0, too_large: 0, invalid: 0, closed: 0 } });
  });

  it('buffers while the receiver is down, drops beyond the bound, reconnects with backoff and delivers after a restart', async () => {
    const first = await receiver(async () => {});
    const address = first.address;
    await first.close();
    receivers.splice(0);
    const e = exporter(address, { maxBufferedWindows: 20 });
    const sidecar = new EventEmitter();
    e.attach(sidecar);
    for (let i = 0; i < 30; i++) sidecar.emit('window', win(i));
    await waitUntil(() => e.stats().reconnects >= 3, 'three reconnect attempts while the receiver is down');
    const down = e.stats();
    expect(down).toMatchObject({ windows: 30, buffered: 20, windowsAcked: 0, connected: false, dropped: { buffer_full: 10, too_large: 0, invalid: 0, closed: 0 } });
    expect(down.lastError).toMatch(/^UNAVAILABLE/);
    const got: TelemetryBatch[] = [];
    await receiver(async (b) => { got.push(b); }, address);
    await waitUntil(() => e.stats().windowsAcked === 20, 'the 20 buffered windows acked after the restart');
    expect(ids(got)).toEqual(range(0, 20));
    expect(e.stats()).toMatchObject({ buffered: 0, unacked: 0, dropped: { buffer_full: 10 } });
  });

  it('never blocks the emitter when the receiver hangs: every emit handled at once, memory bounded, drops counted', async () => {
    const started = new Set<string>();
    const r = await receiver((b) => { started.add(b.batchId); return new Promise<void>(() => {}); });
    const e = exporter(r.address, { maxBufferedWindows: 50, maxBatchWindows: 10, maxInFlightBatches: 2, ackTimeoutMs: 200 });
    const sidecar = new EventEmitter();
    e.attach(sidecar);
    const doc = win(1);
    for (let i = 0; i < 200; i++) sidecar.emit('window', doc);
    // Emitting is synchronous: each emit returned only after the exporter handled it.
    expect(e.stats().windows).toBe(200);
    await waitUntil(() => started.size === 1 && e.stats().reconnects >= 2 && e.stats().resent >= 2, 'the first batch committing (forever), and the stream restarted twice after its ack timeout');
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 200; i++) sidecar.emit('window', doc);
      expect(e.stats().windows).toBe(200 * (round + 2));
      await new Promise((res) => setImmediate(res));
    }
    const s = e.stats();
    expect(s.buffered).toBe(50);
    expect(s.windowsAcked).toBe(0);
    expect(s.dropped.buffer_full).toBe(1200 - 50);
    // Batches of a stream commit one at a time, and resends after each ack
    // timeout were de-duplicated while the first commit hangs: one commit.
    expect(s.unacked).toBe(5);
    expect(s.lastError).toMatch(/^ACK_TIMEOUT: batch \S+ was not acknowledged within 200 ms/);
    expect(started.size).toBe(1);
  });

  it('counts a window larger than a batch may be (too_large) and a non-window (invalid) as dropped, and sends the rest; a rejected window is counted with its reason', async () => {
    const got: TelemetryBatch[] = [];
    const r = await receiver(async (b) => { got.push(b); });
    const e = exporter(r.address, { maxBatchBytes: 8 * 1024 });
    const big = win(1);
    big.routes[0]!.route = '/' + 'x'.repeat(9000);
    e.add(win(0));
    e.add(big);
    e.add({ kind: 'shadowtwin.window' } as unknown as WindowDocument);
    e.add(win(2));
    await waitUntil(() => e.stats().windowsAcked === 2, 'the two small windows acked');
    expect(ids(got)).toEqual([0, 2]);
    expect(e.stats().dropped).toMatchObject({ too_large: 1, invalid: 1 });
    const future = makeWindow(Date.now() + 3_600_000, 3, 1);
    e.add(future);
    await waitUntil(() => e.stats().windowsRejected === 1, 'the window from the future rejected');
    expect(e.stats().lastRejection).toMatch(/^ST_ERR_CONTROL_WINDOW_TIME: window 0 of batch \S+ ends 60 min in the future/);
    expect(e.stats().windowsAcked).toBe(3);
  });

  it('sends over TLS with a private CA', async () => {
    tmp = mkdtempSync(join(tmpdir(), 'st-tls-'));
    const key = join(tmp, 'key.pem');
    const cert = join(tmp, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    const got: TelemetryBatch[] = [];
    const r = await receiver(async (b) => { got.push(b); }, '127.0.0.1:0', { tls: { certFile: cert, keyFile: key } });
    const plain = exporter(r.address);
    plain.add(win(0));
    await waitUntil(() => plain.stats().reconnects >= 1, 'the plaintext exporter failing against TLS');
    expect(plain.stats().windowsAcked).toBe(0);
    const e = exporter(r.address, { tls: { caFile: cert } });
    e.add(win(1));
    await waitUntil(() => e.stats().windowsAcked === 1, 'the window acked over TLS');
    expect(ids(got)).toEqual([1]);
  });

  it('close() sends what is buffered, waits for the acks, then counts the rest as dropped', async () => {
    const got: TelemetryBatch[] = [];
    const r = await receiver(async (b) => { got.push(b); });
    const e = new TelemetryExporter({ target: r.address, sender: 'shop/shop-1', token: TOKEN, flushIntervalMs: 60_000 });
    const sidecar = new EventEmitter();
    e.attach(sidecar);
    for (let i = 0; i < 5; i++) sidecar.emit('window', win(i));
    await e.close();
    expect(ids(got)).toEqual(range(0, 5));
    sidecar.emit('window', win(9));
    expect(sidecar.listenerCount('window')).toBe(0);
    expect(e.stats()).toMatchObject({ windowsAcked: 5, dropped: { closed: 0 } });
  });

  it('keeps retrying with the reason visible when the controller refuses its token', async () => {
    let commits = 0;
    const r = await receiver(async () => { commits++; });
    const e = exporter(r.address, { token: 'not-the-token' });
    e.add(win(0));
    await waitUntil(() => e.stats().reconnects >= 2, 'two retries after UNAUTHENTICATED');
    expect(e.stats()).toMatchObject({ windowsAcked: 0, buffered: 1, connected: false });
    expect(e.stats().lastError).toMatch(/^UNAUTHENTICATED: ST_ERR_CONTROL_UNAUTHENTICATED/);
    expect(commits).toBe(0);
  });

  it('refuses a target that is not host:port and an empty sender before anything starts', () => {
    const usage = (f: () => unknown): string | undefined => { try { f(); } catch (err) { return err instanceof ShadowtwinError ? `${err.code}: ${err.message}` : String(err); } return undefined; };
    expect(usage(() => new TelemetryExporter({ target: 'controller.local', sender: 'shop/p' }))).toMatch(/^ST_ERR_USAGE: --controller controller\.local: give the controller's gRPC address as host:port/);
    expect(usage(() => new TelemetryExporter({ target: '127.0.0.1:1', sender: '' }))).toMatch(/^ST_ERR_USAGE: the telemetry sender "" must be/);
  });
});
