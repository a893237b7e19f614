// Every document that crosses a process boundary, declared once: versioned
// types, zod validators and one reader (`readDocument`). The controller's
// gRPC protos mirror this module field for field.
export { readDocument, type Contract } from './contract.js';
export { encodedRouteStatsSchema } from './route-stats-schema.js';
// docs/contracts.md lists the documents, their versions, writers and readers.
export { versionsRead, type Refusal, type ShapeProblem } from './contract.js';
export * from './histograms.js';
export * from './run-report.js';
export * from './encoded-counts.js';
export * from './request-model.js';
export * from './forecast.js';
export * from './window.js';
export * from './scale-record.js';
