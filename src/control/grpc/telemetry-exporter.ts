import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { credentials, status as Status, type ChannelCredentials, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { formatHostPort, parseHostPort, ShadowtwinError, type WindowDocument } from '../../common/index.js';
import { backoffDelayMs, type BackoffOptions } from './backoff.js';
import { cutBatches } from './cut-batches.js';
import { TelemetryServiceClient, WindowBatch, type ReportAck } from './generated/shadowtwin/v1/telemetry.pb.js';
import { WindowDocument as WindowMessage } from './generated/shadowtwin/v1/window.pb.js';
import { bearerMetadata } from './grpc-status.js';
import { windowToProto } from './window-proto.js';

export interface TelemetryExporterOptions {
  /** The controller's gRPC address, host:port. */
  target: string;
  /** This exporter's identity, "service/pod": the receiver de-duplicates resent batches per sender. */
  sender: string;
  /** Bearer token sent as `authorization` metadata. */
  token?: string;
  /** Connect with TLS; `caFile` trusts a private CA (default: the system's roots). */
  tls?: { caFile?: string };
  /** How often buffered windows are cut into batches and sent (default 1000 ms). */
  flushIntervalMs?: number;
  /** Most windows in one batch (default 100). */
  maxBatchWindows?: number;
  /** Most encoded bytes in one batch (default 1 MiB; keep it under the receiver's message limit). */
  maxBatchBytes?: number;
  /** Windows held, waiting or sent but not acknowledged (default 1000); more are dropped (`buffer_full`). */
  maxBufferedWindows?: number;
  /** Batches sent and not yet acknowledged on the stream (default 4). */
  maxInFlightBatches?: number;
  /** A batch not acknowledged within this time ends the stream and is resent on a new one (default 30 s). */
  ackTimeoutMs?: number;
  /** Reconnect delays (exponential with full jitter; default 200 ms doubling to 30 s). */
  backoff?: BackoffOptions;
  /** [0, 1) source for the jitter (default Math.random). */
  random?: () => number;
}

/** Why windows were dropped instead of sent. */
export type TelemetryDropReason = 'buffer_full' | 'too_large' | 'invalid' | 'closed';

export interface TelemetryExporterStats {
  /** Windows handed to the exporter. */
  windows: number;
  /** Batch sends (first sends and resends) and of those, resends. */
  batchesSent: number;
  resent: number;
  /** Batches and windows the receiver acknowledged (committed or already committed). */
  batchesAcked: number;
  windowsAcked: number;
  /** Windows the receiver refused (bad contract, HDR or time), by its ack. */
  windowsRejected: number;
  dropped: Record<TelemetryDropReason, number>;
  /** Streams opened after a failed one. */
  reconnects: number;
  /** Windows held now (waiting + un-acknowledged). */
  buffered: number;
  /** Batches sent or waiting to be sent, not yet acknowledged. */
  unacked: number;
  /** A stream is open and the controller has answered on it. */
  connected: boolean;
  /** The last stream failure ("UNAVAILABLE: …"), if any. */
  lastError?: string;
  /** The controller's reason for the last window it rejected ("ST_ERR_…: …"), if any. */
  lastRejection?: string;
}

interface Batch {
  id: string;
  message: WindowBatch;
  windows: number;
  inFlight: boolean;
  sentAt: number;
  sends: number;
}

/**
 * Streams window documents to the controller's TelemetryService. Attach it
 * to anything that emits `window` events (the sidecar, a generator run):
 * the listener only appends to a bounded buffer, so it never blocks or
 * throws into the emitter. Every `flushIntervalMs` the buffer is cut into
 * batches and sent on one bidirectional stream; each batch is kept until
 * the controller acknowledges it (after its commit) and resent on the next
 * stream if the stream fails first (at-least-once; the receiver
 * de-duplicates by batch id). Reconnects back off exponentially with full
 * jitter. While the controller is away, windows beyond
 * `maxBufferedWindows` are dropped and counted.
 */
export class TelemetryExporter {
  private readonly o: Required<Pick<TelemetryExporterOptions, 'flushIntervalMs' | 'maxBatchWindows' | 'maxBatchBytes' | 'maxBufferedWindows' | 'maxInFlightBatches' | 'ackTimeoutMs'>>;
  private readonly client: TelemetryServiceClient;
  private readonly instance = randomBytes(6).toString('hex');
  private readonly random: () => number;
  private seq = 0;
  private pending: WindowDocument[] = [];
  private readonly unacked = new Map<string, Batch>();
  private unackedWindows = 0;
  private stream: ClientDuplexStream<WindowBatch, ReportAck> | undefined;
  private streams = 0;
  /** The current stream has heard from the controller (headers or an ack). */
  private answered = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly flushTimer: NodeJS.Timeout;
  private closing = false;
  private readonly detachers: (() => void)[] = [];
  private readonly drained = new Set<() => void>();
  private readonly s: TelemetryExporterStats = {
    windows: 0, batchesSent: 0, resent: 0, batchesAcked: 0, windowsAcked: 0, windowsRejected: 0,
    dropped: { buffer_full: 0, too_large: 0, invalid: 0, closed: 0 }, reconnects: 0, buffered: 0, unacked: 0, connected: false,
  };

  /** Adds one window (the `window` listener). Never throws, never waits. */
  readonly add = (doc: WindowDocument): void => {
    this.s.windows++;
    if (this.closing) { this.s.dropped.closed++; return; }
    if (this.pending.length + this.unackedWindows >= this.o.maxBufferedWindows) { this.s.dropped.buffer_full++; return; }
    this.pending.push(doc);
  };

  constructor(readonly options: TelemetryExporterOptions) {
    const hp = parseHostPort(options.target);
    if (!hp) throw new ShadowtwinError('ST_ERR_USAGE', `--controller ${options.target}: give the controller's gRPC address as host:port, e.g. 127.0.0.1:7464`);
    if (!/^\S{1,253}$/.test(options.sender)) throw new ShadowtwinError('ST_ERR_USAGE', `the telemetry sender ${JSON.stringify(options.sender)} must be 1-253 characters without spaces, e.g. "shop/shop-7d9f"`);
    this.o = {
      flushIntervalMs: options.flushIntervalMs ?? 1000,
      maxBatchWindows: options.maxBatchWindows ?? 100,
      maxBatchBytes: options.maxBatchBytes ?? 1024 * 1024,
      maxBufferedWindows: options.maxBufferedWindows ?? 1000,
      maxInFlightBatches: options.maxInFlightBatches ?? 4,
      ackTimeoutMs: options.ackTimeoutMs ?? 30_000,
    };
    this.random = options.random ?? Math.random;
    const creds: ChannelCredentials = options.tls
      ? credentials.createSsl(options.tls.caFile ? readFileSync(options.tls.caFile) : null)
      : credentials.createInsecure();
    this.client = new TelemetryServiceClient(formatHostPort(hp), creds, {
      'grpc.max_send_message_length': this.o.maxBatchBytes + 64 * 1024,
      // The channel's own reconnect backoff (default 1 s growing to 120 s) would
      // otherwise hold every new stream long after the controller is back.
      'grpc.initial_reconnect_backoff_ms': Math.max(1, options.backoff?.initialMs ?? 200),
      'grpc.max_reconnect_backoff_ms': Math.max(1, options.backoff?.maxMs ?? 30_000),
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
    });
    this.flushTimer = setInterval(() => this.flush(), this.o.flushIntervalMs);
    this.flushTimer.unref();
  }

  /** Listens to `window` events of `emitter`; returns the function that stops listening. */
  attach(emitter: EventEmitter): () => void {
    const listener = (doc: WindowDocument): void => {
      try { this.add(doc); } catch { /* never into the emitter */ }
    };
    emitter.on('window', listener);
    const detach = (): void => { emitter.off('window', listener); };
    this.detachers.push(detach);
    return detach;
  }

  stats(): TelemetryExporterStats {
    return {
      ...this.s,
      dropped: { ...this.s.dropped },
      buffered: this.pending.length + this.unackedWindows,
      unacked: this.unacked.size,
      connected: this.stream !== undefined && this.answered,
    };
  }

  /** Cuts waiting windows into batches and sends what the stream takes. Called by the timer; callable any time. */
  flush(): void {
    try {
      this.checkAckTimeout();
      if (this.pending.length > 0) {
        const docs = this.pending;
        this.pending = [];
        const messages: WindowMessage[] = [];
        for (const doc of docs) {
          try {
            messages.push(windowToProto(doc));
          } catch {
            this.s.dropped.invalid++; // not a window document (an emitter's bug): it cannot be encoded
          }
        }
        const { batches, tooLarge } = cutBatches(messages, (m) => WindowMessage.encode(m).finish().length + 8, this.o.maxBatchWindows, this.o.maxBatchBytes - 1024);
        this.s.dropped.too_large += tooLarge.length;
        for (const windows of batches) {
          const id = `${this.instance}-${++this.seq}`;
          this.unacked.set(id, { id, message: { batchId: id, sender: this.options.sender, windows }, windows: windows.length, inFlight: false, sentAt: 0, sends: 0 });
          this.unackedWindows += windows.length;
        }
      }
      this.send();
    } catch (err) {
      this.s.lastError = `flush: ${(err as Error).message}`;
    }
  }

  private send(): void {
    if (this.unacked.size === 0) return;
    if (this.stream === undefined) {
      if (this.reconnectTimer === undefined) this.open();
      if (this.stream === undefined) return;
    }
    let inFlight = 0;
    for (const b of this.unacked.values()) if (b.inFlight) inFlight++;
    for (const b of this.unacked.values()) {
      if (inFlight >= this.o.maxInFlightBatches) break;
      if (b.inFlight) continue;
      b.inFlight = true;
      b.sentAt = Date.now();
      if (b.sends > 0) this.s.resent++;
      b.sends++;
      this.s.batchesSent++;
      inFlight++;
      this.stream!.write(b.message);
    }
  }

  private open(): void {
    if (this.streams > 0) this.s.reconnects++;
    this.streams++;
    const stream = this.client.report(bearerMetadata(this.options.token));
    this.stream = stream;
    this.answered = false;
    stream.on('metadata', () => { if (this.stream === stream) this.answered = true; });
    stream.on('data', (ack: ReportAck) => { if (this.stream === stream) this.answered = true; this.onAck(ack); });
    stream.on('error', (err: ServiceError) => this.onStreamEnd(stream, `${Status[err.code] ?? err.code}: ${err.details || err.message}`));
    stream.on('status', (st: { code: number; details: string }) => {
      if (st.code === Status.OK) this.onStreamEnd(stream, 'OK: the controller ended the stream');
    });
  }

  private onAck(ack: ReportAck): void {
    const b = this.unacked.get(ack.batchId);
    if (b === undefined) return;
    this.unacked.delete(ack.batchId);
    this.unackedWindows -= b.windows;
    this.s.batchesAcked++;
    this.s.windowsAcked += b.windows;
    this.s.windowsRejected += ack.rejected;
    const last = ack.rejections[ack.rejections.length - 1];
    if (last !== undefined) this.s.lastRejection = `${last.code}: ${last.reason}`;
    this.attempt = 0;
    if (this.unacked.size === 0) for (const f of this.drained) f();
    this.send();
  }

  private onStreamEnd(stream: ClientDuplexStream<WindowBatch, ReportAck>, why: string): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    this.s.lastError = why;
    for (const b of this.unacked.values()) b.inFlight = false;
    if (this.closing && this.unacked.size === 0) return;
    const delay = backoffDelayMs(this.attempt++, this.random, this.options.backoff);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.send();
    }, delay);
    this.reconnectTimer.unref();
  }

  private checkAckTimeout(): void {
    if (this.stream === undefined) return;
    const now = Date.now();
    for (const b of this.unacked.values()) {
      if (b.inFlight && now - b.sentAt > this.o.ackTimeoutMs) {
        const stream = this.stream;
        this.onStreamEnd(stream, `ACK_TIMEOUT: batch ${b.id} was not acknowledged within ${this.o.ackTimeoutMs} ms; resending on a new stream`);
        stream.cancel();
        return;
      }
    }
  }

  /**
   * Stops listening, sends what is buffered and waits up to `drainMs`
   * (default 5 s) for its acknowledgements; anything still un-acknowledged
   * then is dropped (`closed`). Safe to call twice.
   */
  async close(drainMs = 5000): Promise<void> {
    if (this.closing) return;
    for (const d of this.detachers.splice(0)) d();
    this.flush();
    this.closing = true;
    clearInterval(this.flushTimer);
    if (this.unacked.size > 0 && drainMs > 0) {
      await new Promise<void>((resolve) => {
        const done = (): void => { clearTimeout(t); this.drained.delete(done); resolve(); };
        const t = setTimeout(done, drainMs);
        this.drained.add(done);
      });
    }
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.s.dropped.closed += this.unackedWindows;
    this.unacked.clear();
    this.unackedWindows = 0;
    const stream = this.stream;
    this.stream = undefined;
    if (stream) { stream.end(); stream.cancel(); }
    this.client.close();
  }
}
