// The controller (issue 16): telemetry in, fleet view, hosted loops, API.
export * from './store/index.js';
export * from './fleet/index.js';
export * from './events/index.js';
