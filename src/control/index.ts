// The controller (issue 16): telemetry in (gRPC), store, fleet view, events, hosted loops, API (see docs/controller.md).
export * from './store/index.js';
export * from './fleet/index.js';
export * from './events/index.js';
export * from './grpc/index.js';
export * from './ingest/group-commit.js';
export { Controller, type ControllerOptions, type ControllerAddresses } from './controller.js';
export { controllerConfigSchema, loadControllerConfig, parseControllerConfig, readTokenFile, type ControllerConfig } from './controller-config.js';
export { CONTROLLER_METRIC, createControllerMetrics, type ControllerMetrics } from './controller-metrics.js';
export { ScalingHost, TargetLoop, ScaleRecords, scalingTargetSchema, forecastConfidence, planningForecast, type ScalingTargetConfig, type ScalingSummary, type ListedRecord } from './scaling/index.js';
export { RunManager, parseRunStart, type RunInfo, type RunStartRequest } from './runs/index.js';
export { ControllerClient, statusLines, runsLines, eventLine, proposalLines } from './client/index.js';
