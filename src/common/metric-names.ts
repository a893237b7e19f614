/**
 * Every metric name the sidecar exports, declared once. Prometheus base
 * units (seconds, bytes) and suffixes (`_total`, `_seconds`, `_bytes`).
 */
export const PROXY_METRIC = {
  requestDuration: 'shadowtwin_proxy_request_duration_seconds',
  requestsInFlight: 'shadowtwin_proxy_requests_in_flight',
  upstreamErrors: 'shadowtwin_proxy_upstream_errors_total',
  clientErrors: 'shadowtwin_proxy_client_errors_total',
  requestBytes: 'shadowtwin_proxy_request_bytes_total',
  responseBytes: 'shadowtwin_proxy_response_bytes_total',
  upstreamHealthy: 'shadowtwin_upstream_healthy',
  upstreamEjections: 'shadowtwin_upstream_ejections_total',
  upstreamMembers: 'shadowtwin_upstream_members',
  mirrorSent: 'shadowtwin_mirror_sent_total',
  mirrorDropped: 'shadowtwin_mirror_dropped_total',
  mirrorFailed: 'shadowtwin_mirror_failed_total',
  mirrorInFlight: 'shadowtwin_mirror_in_flight',
  mirrorDuration: 'shadowtwin_mirror_response_duration_seconds',
  captureWritten: 'shadowtwin_capture_records_written_total',
  captureDropped: 'shadowtwin_capture_records_dropped_total',
  captureBytes: 'shadowtwin_capture_bytes_written_total',
  faultsInjected: 'shadowtwin_fault_injected_total',
  faultsSkipped: 'shadowtwin_fault_skipped_total',
} as const;

/**
 * The request rate as PromQL, from the sidecar's request-duration counter:
 * `sum(rate(<requestDuration>_count[5m]))`, optionally `by (labels)`.
 * Every default query (forecast, profile, scale, cost, the controller's
 * history seed) is built here, so a renamed metric cannot leave one behind.
 */
export function requestRateQuery(o: { by?: readonly string[]; window?: string } = {}): string {
  const sel = `rate(${PROXY_METRIC.requestDuration}_count[${o.window ?? '5m'}])`;
  return o.by?.length ? `sum by (${o.by.join(', ')}) (${sel})` : `sum(${sel})`;
}
