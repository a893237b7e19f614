// The reference for the controller bench: a gRPC TelemetryService that
// acknowledges every batch at once and does nothing else (no checks, no
// store). Prints its port as one line.
import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import { TelemetryServiceService, type ReportAck, type WindowBatch } from '../../src/control/grpc/generated/shadowtwin/v1/telemetry.pb.js';

const server = new Server({ 'grpc.max_receive_message_length': 4 * 1024 * 1024 });
server.addService(TelemetryServiceService, {
  report(call: ServerDuplexStream<WindowBatch, ReportAck>): void {
    call.on('data', (b: WindowBatch) => call.write({ batchId: b.batchId, accepted: b.windows.length, rejected: 0, rejections: [], duplicate: false }));
    call.on('end', () => call.end());
    call.on('error', () => undefined);
  },
});
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stdout.write(`${port}\n`);
});
process.on('SIGTERM', () => server.forceShutdown());
