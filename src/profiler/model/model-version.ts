import { REQUEST_MODEL_VERSION, upgradeRequestModel } from '../../common/index.js';

/** The version `profile build` writes; readers accept every version up to it (the request-model contract's). */
export const MODEL_VERSION = REQUEST_MODEL_VERSION;

/** The current form of a model read from disk (version 1 is upgraded in memory; the current version is returned as is). */
export const upgradeModel = upgradeRequestModel;
