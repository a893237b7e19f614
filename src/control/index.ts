// The controller: gRPC API, telemetry, store, loops (see docs/controller.md).
export * from './grpc/index.js';
