import { status as Status, type ServerDuplexStream } from '@grpc/grpc-js';
import { ShadowtwinError, type WindowDocument } from '../../common/index.js';
import { startGrpcServer } from './grpc-server.js';
import { checkWindow } from './check-window.js';
import { TelemetryServiceService, type ReportAck, type WindowBatch, type WindowRejection } from './generated/shadowtwin/v1/telemetry.pb.js';
import { metadataAllowed, statusOf } from './grpc-status.js';
import { RecentBatches } from './recent-batches.js';
import { TokenBucket } from './token-bucket.js';

const ID = /^\S{1,128}$/;
const SENDER = /^\S{1,253}$/;

/** A batch whose windows passed every check, handed to `commit`. */
export interface TelemetryBatch {
  batchId: string;
  sender: string;
  /** The peer address as gRPC saw it. */
  peer: string;
  windows: WindowDocument[];
}

export interface TelemetryReceiverOptions {
  /** host:port (default 127.0.0.1:0: loopback, any free port). */
  listen?: string;
  /** The flag that set the address, for messages (default "--grpc"). */
  setting?: string;
  /** Bearer token every call must carry; required off loopback. */
  token?: string;
  /** How a user sets the token, for the refusal message (default "--token or --token-file"). */
  tokenHint?: string;
  /** Serve TLS with this certificate chain and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
  /**
   * Stores a batch durably. The batch is acknowledged only after the promise
   * resolves; a rejection ends the stream with UNAVAILABLE (the sender resends).
   */
  commit(batch: TelemetryBatch): Promise<void>;
  /** Largest message accepted (default 4 MiB); larger ones are refused with RESOURCE_EXHAUSTED before they are buffered. */
  maxMessageBytes?: number;
  /** Most windows in one batch (default 1000). */
  maxWindowsPerBatch?: number;
  /** Per stream: windows per second before its reads are slowed (default 1000). */
  maxWindowsPerSecond?: number;
  /** Per stream: windows taken at once before the rate applies (default max(maxWindowsPerBatch, 2 × rate)). */
  burstWindows?: number;
  /** Per stream: batches received but not yet acknowledged before its reads pause (default 8). */
  maxPendingBatches?: number;
  /** Clock skew allowed for a window's end (default 60 s). */
  maxFutureMs?: number;
  /** Oldest window end accepted (default 7 days). */
  maxAgeMs?: number;
  /** Batch ids remembered per sender for de-duplication (default 1024). */
  recentBatchIds?: number;
  now?: () => number;
}

export interface TelemetryReceiverStats {
  /** Streams opened (authorized or not) and open now. */
  streams: number;
  activeStreams: number;
  unauthenticated: number;
  /** Batches acknowledged after commit, and resends acknowledged without a second commit. */
  batches: number;
  duplicates: number;
  invalidBatches: number;
  commitFailures: number;
  windowsAccepted: number;
  /** Windows rejected, by ST_ERR_* code. */
  windowsRejected: Record<string, number>;
  /** Times a stream waited for its rate limit. */
  throttled: number;
}

/** The TelemetryService as an implementation to add to the controller's gRPC server. */
export interface TelemetryService {
  definition: typeof TelemetryServiceService;
  implementation: { report(call: ServerDuplexStream<WindowBatch, ReportAck>): void };
  /** Ends every open stream (UNAVAILABLE: the senders resend what was not acknowledged). */
  closeStreams(): void;
  stats(): TelemetryReceiverStats;
}

export interface TelemetryReceiver {
  /** host:port actually bound. */
  address: string;
  port: number;
  stats(): TelemetryReceiverStats;
  /** Stops accepting, ends open streams (CANCELLED) and resolves when the server is down. */
  close(): Promise<void>;
}

/**
 * The controller's TelemetryService: authenticates each stream's bearer
 * token, checks every window (contract, HDR payloads, time range), hands
 * each batch's valid windows to `commit` and acknowledges the batch only
 * after the commit resolved. Batches of one stream are committed in order,
 * one at a time. A flood is slowed, not buffered: over its rate or its
 * pending-batch bound a stream's reads pause, so gRPC flow control pushes
 * back to the sender.
 */
export function createTelemetryService(o: TelemetryReceiverOptions): TelemetryService {
  const now = o.now ?? Date.now;
  const maxWindowsPerBatch = o.maxWindowsPerBatch ?? 1000;
  const rate = o.maxWindowsPerSecond ?? 1000;
  const burst = Math.max(o.burstWindows ?? Math.max(maxWindowsPerBatch, 2 * rate), maxWindowsPerBatch);
  const maxPending = o.maxPendingBatches ?? 8;
  const maxFutureMs = o.maxFutureMs ?? 60_000;
  const maxAgeMs = o.maxAgeMs ?? 7 * 86_400_000;
  const recent = new RecentBatches(o.recentBatchIds ?? 1024);
  const stats: TelemetryReceiverStats = {
    streams: 0, activeStreams: 0, unauthenticated: 0, batches: 0, duplicates: 0, invalidBatches: 0,
    commitFailures: 0, windowsAccepted: 0, windowsRejected: {}, throttled: 0,
  };
  const open = new Set<ServerDuplexStream<WindowBatch, ReportAck>>();

  async function handle(b: WindowBatch, peer: string): Promise<ReportAck> {
    const t = now();
    const windows: WindowDocument[] = [];
    const rejections: WindowRejection[] = [];
    b.windows.forEach((w, index) => {
      const c = checkWindow(w, `window ${index} of batch ${b.batchId}`, { now: t, maxFutureMs, maxAgeMs });
      if (c.ok) windows.push(c.window);
      else rejections.push({ index, code: c.code, reason: c.reason });
    });
    const duplicate = await recent.once(b.sender, b.batchId, async () => {
      if (windows.length === 0) return;
      try {
        await o.commit({ batchId: b.batchId, sender: b.sender, peer, windows });
      } catch (cause) {
        stats.commitFailures++;
        throw new ShadowtwinError('ST_ERR_CONTROL_COMMIT_FAILED', `batch ${b.batchId} from ${b.sender} was not stored (${(cause as Error)?.message ?? cause}); it is not acknowledged, resend it`, { cause });
      }
    });
    if (duplicate) {
      stats.duplicates++;
      return { batchId: b.batchId, accepted: 0, rejected: 0, rejections: [], duplicate: true };
    }
    stats.batches++;
    stats.windowsAccepted += windows.length;
    for (const r of rejections) stats.windowsRejected[r.code] = (stats.windowsRejected[r.code] ?? 0) + 1;
    return { batchId: b.batchId, accepted: windows.length, rejected: rejections.length, rejections, duplicate: false };
  }

  function report(call: ServerDuplexStream<WindowBatch, ReportAck>): void {
    stats.streams++;
    if (!metadataAllowed(call.metadata, o.token)) {
      stats.unauthenticated++;
      const err = statusOf(new ShadowtwinError('ST_ERR_CONTROL_UNAUTHENTICATED',
        'the controller\'s TelemetryService needs metadata "authorization: Bearer <token>"; give the sidecar --controller-token or --controller-token-file'));
      call.emit('error', err);
      return;
    }
    stats.activeStreams++;
    open.add(call);
    const peer = call.getPeer();
    const bucket = new TokenBucket(rate, burst, now);
    const queue: WindowBatch[] = [];
    let pumping = false;
    let halfClosed = false;
    let closed = false;
    let wait: { timer: NodeJS.Timeout; resolve: () => void } | undefined;

    const close = (): void => {
      if (closed) return;
      closed = true;
      stats.activeStreams--;
      open.delete(call);
      // A throttled pump ends now rather than holding its queue until the timer fires.
      if (wait) { clearTimeout(wait.timer); wait.resolve(); wait = undefined; }
    };
    const fail = (err: unknown): void => {
      if (closed) return;
      close();
      call.emit('error', statusOf(err));
    };
    const pump = async (): Promise<void> => {
      if (pumping) return;
      pumping = true;
      try {
        while (queue.length > 0 && !closed) {
          const b = queue[0]!;
          const waitMs = bucket.take(b.windows.length);
          if (waitMs > 0) {
            stats.throttled++;
            await new Promise<void>((resolve) => { wait = { timer: setTimeout(resolve, waitMs), resolve }; });
            wait = undefined;
            if (closed) return;
          }
          const ack = await handle(b, peer);
          queue.shift();
          if (closed) return;
          call.write(ack);
          if (queue.length < maxPending && call.isPaused()) call.resume();
        }
        if (halfClosed && !closed) { close(); call.end(); }
      } catch (err) {
        fail(err);
      } finally {
        pumping = false;
      }
    };

    call.on('data', (b: WindowBatch) => {
      if (closed) return;
      if (!ID.test(b.batchId) || !SENDER.test(b.sender)) {
        stats.invalidBatches++;
        fail(new ShadowtwinError('ST_ERR_CONTROL_BATCH_INVALID', `a telemetry batch needs a batch_id (1-128 characters) and a sender (1-253), without spaces (got batch_id ${JSON.stringify(b.batchId.slice(0, 140))}, sender ${JSON.stringify(b.sender.slice(0, 260))})`));
        return;
      }
      if (b.windows.length > maxWindowsPerBatch) {
        stats.invalidBatches++;
        fail(new ShadowtwinError('ST_ERR_CONTROL_BATCH_INVALID', `batch ${b.batchId} holds ${b.windows.length} windows; the controller takes at most ${maxWindowsPerBatch} in one batch: send smaller batches`));
        return;
      }
      queue.push(b);
      if (queue.length >= maxPending) call.pause();
      void pump();
    });
    call.on('end', () => {
      halfClosed = true;
      if (!pumping && queue.length === 0 && !closed) { close(); call.end(); }
    });
    call.on('cancelled', close);
    call.on('close', close);
    call.on('error', close);
  }

  const service = {
    definition: TelemetryServiceService,
    implementation: { report },
    closeStreams: (): void => {
      for (const call of open) call.emit('error', { code: Status.UNAVAILABLE, details: 'the controller is shutting down; un-acknowledged batches are to be resent' });
    },
    stats: (): TelemetryReceiverStats => ({ ...stats, windowsRejected: { ...stats.windowsRejected } }),
  };
  return service;
}

/** The TelemetryService alone on its own gRPC server (tests, a telemetry-only process). */
export async function startTelemetryReceiver(o: TelemetryReceiverOptions): Promise<TelemetryReceiver> {
  const service = createTelemetryService(o);
  const server = await startGrpcServer({ listen: o.listen, setting: o.setting, token: o.token, tokenHint: o.tokenHint, tls: o.tls, maxMessageBytes: o.maxMessageBytes, services: [service] });
  return { address: server.address, port: server.port, stats: service.stats, close: () => server.close() };
}
