// The controller's scaling (issue 16, "Scaling, validated"): a scale loop per configured target, validated proposals, approve/reject, API (docs/controller.md, "Scaling").
export { scalingTargetSchema, scalingChecks, type ScalingTargetConfig } from './scaling-config.js';
export { forecastConfidence, planningForecast, type ForecastLike, type PlanningForecast } from './forecast-confidence.js';
export { resourceFailures } from './resource-check.js';
export { ScaleRecords, recordId, awaitsApproval, type ListedRecord } from './scale-records.js';
export { TargetLoop, type TargetLoopDeps } from './target-loop.js';
export { ScalingHost, type ScalingHostOptions, type ScalingSummary } from './scaling-host.js';
export { scalingRoutes } from './scaling-routes.js';
export { createScalingService, proposalMessage } from './scaling-grpc.js';
