// The request model document (types, schema, reader) is a contract: src/common/contracts/request-model.ts.
export type { RateModel, RateModelV1, RequestModel, RequestModelV1, RouteModel, RouteSources, SessionIdentity, SessionModel } from '../../common/index.js';

export const SESSION_EXIT = '$exit';
