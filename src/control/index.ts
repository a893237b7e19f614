// The controller (issue 16): telemetry in, fleet view, hosted loops, API.
export * from './store/index.js';
