// The controller's HTTP client and the text renderers of `shadowtwin ctl`.
export { ControllerClient } from './controller-client.js';
export { statusLines, runsLines, eventLine, proposalLines, type RunRow } from './ctl-render.js';
