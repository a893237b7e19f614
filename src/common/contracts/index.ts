// Every document that crosses a process boundary, declared once: versioned
// types, zod validators and one reader (`readDocument`). The controller's
// gRPC protos mirror this module field for field.
export { readDocument, type Contract } from './contract.js';
export { encodedRouteStatsSchema } from './route-stats-schema.js';
export * from './window.js';
export * from './scale-record.js';
