export { compareSides, noiseFloorMs, type Side, type CompareOptions, type Comparison, type RouteComparison, type RouteVerdict } from './compare.js';
export { mannWhitney, binsOf, normalCdf, inverseNormal, type MannWhitney, type Bins } from './mann-whitney.js';
export { loadSide, sideFromReport, sideFromDump } from './sides.js';
export { decide, reactiveDecision, replicasFor, DEFAULT_POLICY, type ScalePolicy, type PolicyInput, type Decision, type ForecastPointLike } from './policy.js';
export { KubernetesActuator, MembershipActuator, WebhookActuator, DryRunActuator, type Actuator, type KubernetesTarget } from './actuators.js';
export { scaleRound, type Proposal, type ScaleRecord, type ValidationAttempt, type ValidationConfig, type ScaleRoundInput } from './scale-round.js';
export { findCapacity, type CapacityOptions, type CapacityResult, type CapacityTrial } from './capacity.js';
export { ScaleLoop, feedback, SCALER_METRIC, type FeedbackState, type ScaleLoopOptions } from './scale-loop.js';
