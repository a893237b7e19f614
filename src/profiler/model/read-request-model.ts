// The one request-model reader every command uses lives with its contract (src/common/contracts/request-model.ts).
export { parseRequestModel, readRequestModel, REQUEST_MODEL_KIND, REQUEST_MODEL_VERSION } from '../../common/index.js';
