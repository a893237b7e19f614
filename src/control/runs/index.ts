// Load runs the controller drives (issue 16, "Load runs"): RunManager, the HTTP routes and the gRPC LoadService.
export { RunManager, type RunHost, type RunInfo, type RunStartRequest, type RunStatus, type RunSummary, type RunWatchEvents } from './run-manager.js';
export { parseRunStart } from './run-request.js';
export { synthesizedRun, pathForRoute, type SynthesisInput, type SynthesizedRun } from './synthesized-scenario.js';
export { runRoutes, readJsonBody, MAX_RUN_BODY_BYTES } from './run-routes.js';
export { createLoadService, startFromPb } from './load-service.js';
export { controllerRunHost, RUN_KIND } from './controller-run-host.js';
