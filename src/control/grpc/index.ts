// The controller's gRPC surface: generated messages and services
// (proto/shadowtwin/v1, regenerate with scripts/gen-proto.sh), converters
// to the contract documents, and the telemetry path (exporter → receiver).
export * as documentPb from './generated/shadowtwin/v1/document.pb.js';
export * as forecastPb from './generated/shadowtwin/v1/forecast.pb.js';
export * as loadPb from './generated/shadowtwin/v1/load.pb.js';
export * as modelPb from './generated/shadowtwin/v1/model.pb.js';
export * as scalingPb from './generated/shadowtwin/v1/scaling.pb.js';
export * as telemetryPb from './generated/shadowtwin/v1/telemetry.pb.js';
export * as windowPb from './generated/shadowtwin/v1/window.pb.js';
export { windowFromProto, windowToProto } from './window-proto.js';
export { checkWindow, type WindowCheck, type WindowTimeLimits } from './check-window.js';
export { backoffCeilingMs, backoffDelayMs, type BackoffOptions } from './backoff.js';
export { cutBatches } from './cut-batches.js';
export { RecentBatches } from './recent-batches.js';
export { TokenBucket } from './token-bucket.js';
export { bearerMetadata, metadataAllowed, statusOf } from './grpc-status.js';
export {
  startTelemetryReceiver, createTelemetryService, type TelemetryService, type TelemetryBatch, type TelemetryReceiver, type TelemetryReceiverOptions, type TelemetryReceiverStats,
} from './telemetry-receiver.js';
export {
  TelemetryExporter, type TelemetryDropReason, type TelemetryExporterOptions, type TelemetryExporterStats,
} from './telemetry-exporter.js';
export { startGrpcServer, type GrpcServer, type GrpcServerOptions } from './grpc-server.js';
export { startSidecarTelemetry, registerExporterMetrics, TELEMETRY_METRIC } from './sidecar-telemetry.js';
