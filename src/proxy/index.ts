export { Sidecar, createSidecar, redactedConfig, type SidecarAddresses, type SidecarOptions } from './sidecar.js';
/** What the admin /histograms serves: the histograms contract (src/common/contracts/histograms.ts). */
export type { HistogramDump } from '../common/index.js';
export { METRIC, createProxyMetrics, type ProxyMetrics } from './metrics.js';
export { UpstreamSet, type MembershipView } from './upstream-set.js';
export { ShadowWriter, type ShadowRequest } from './shadow-writer.js';
export { CaptureWriter, rotatedName } from './capture-writer.js';
export { WindowAggregator, type WindowSummary } from './window-aggregator.js';
export { FaultFilter, FAULT_HEADERS, type FaultDecision } from './filters/fault.js';
export { MirrorPolicy, SHADOW_HEADER } from './filters/mirror.js';
export { CaptureFilter } from './filters/capture.js';
export { forwardableRequestHeaders, forwardableResponseHeaders } from './hop-by-hop.js';
