import { credentials, type ServiceError } from '@grpc/grpc-js';
import { bearerMetadata, telemetryPb, windowToProto } from '../../src/control/index.js';
import type { WindowDocument } from '../../src/common/index.js';
import { waitUntil } from './wait.js';

/** A raw TelemetryService stream (no exporter logic): what was acked and how it ended. */
export interface RawStream {
  send(batchId: string, windows: WindowDocument[], sender?: string): void;
  sendMessage(m: telemetryPb.WindowBatch): void;
  acks: telemetryPb.ReportAck[];
  /** The error the stream ended with, once it did. */
  error(): ServiceError | undefined;
  /** Waits for the stream to fail and returns its error. */
  failed(): Promise<ServiceError>;
  ackFor(batchId: string): Promise<telemetryPb.ReportAck>;
  close(): void;
}

export function openRawStream(address: string, token?: string): RawStream {
  const client = new telemetryPb.TelemetryServiceClient(address, credentials.createInsecure());
  const stream = client.report(bearerMetadata(token));
  const acks: telemetryPb.ReportAck[] = [];
  let error: ServiceError | undefined;
  stream.on('data', (a: telemetryPb.ReportAck) => acks.push(a));
  stream.on('error', (e: ServiceError) => { error = e; });
  return {
    send: (batchId, windows, sender = 'shop/shop-1') => { stream.write({ batchId, sender, windows: windows.map(windowToProto) }); },
    sendMessage: (m) => { stream.write(m); },
    acks,
    error: () => error,
    failed: async () => { await waitUntil(() => error !== undefined, 'the stream failed'); return error!; },
    ackFor: async (id) => {
      await waitUntil(() => acks.some((a) => a.batchId === id) || error !== undefined, `the ack of ${id}`);
      const a = acks.find((x) => x.batchId === id);
      if (!a) throw new Error(`stream failed before the ack of ${id}: ${error?.details}`);
      return a;
    },
    close: () => { stream.cancel(); client.close(); },
  };
}
