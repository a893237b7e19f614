import type { EventEmitter } from 'node:events';
import { Counter, Gauge, type Registry } from 'prom-client';
import { formatHostPort, type SidecarConfig } from '../../common/index.js';
import { readTokenFile } from '../controller-config.js';
import { TelemetryExporter, type TelemetryDropReason } from './telemetry-exporter.js';

/** The exporter's counters on the sidecar's /metrics, declared once. */
export const TELEMETRY_METRIC = {
  windows: 'shadowtwin_telemetry_windows_total',
  acked: 'shadowtwin_telemetry_windows_acked_total',
  dropped: 'shadowtwin_telemetry_windows_dropped_total',
  reconnects: 'shadowtwin_telemetry_reconnects_total',
  buffered: 'shadowtwin_telemetry_windows_buffered',
  connected: 'shadowtwin_telemetry_connected',
} as const;

/** Registers the exporter's figures (read at scrape time) on a registry. */
export function registerExporterMetrics(registry: Registry, x: TelemetryExporter): void {
  const r = [registry];
  const reasons: TelemetryDropReason[] = ['buffer_full', 'too_large', 'invalid', 'closed'];
  // Counters mirrored from the exporter's own totals at scrape time (no work per window).
  const mirror = (c: Counter, v: number): void => { c.reset(); c.inc(v); };
  new Counter({ name: TELEMETRY_METRIC.windows, help: 'Windows handed to the controller exporter.', registers: r, collect() { mirror(this, x.stats().windows); } });
  new Counter({ name: TELEMETRY_METRIC.acked, help: 'Windows the controller acknowledged (committed).', registers: r, collect() { mirror(this, x.stats().windowsAcked); } });
  new Counter({
    name: TELEMETRY_METRIC.dropped, help: 'Windows dropped instead of sent, by reason (buffer_full: the controller was away too long).', labelNames: ['reason'] as const, registers: r,
    collect() { const d = x.stats().dropped; this.reset(); for (const k of reasons) this.inc({ reason: k }, d[k]); },
  });
  new Counter({ name: TELEMETRY_METRIC.reconnects, help: 'Streams to the controller re-opened.', registers: r, collect() { mirror(this, x.stats().reconnects); } });
  new Gauge({ name: TELEMETRY_METRIC.buffered, help: 'Windows waiting or sent but not yet acknowledged.', registers: r, collect() { this.set(x.stats().buffered); } });
  new Gauge({ name: TELEMETRY_METRIC.connected, help: '1 while a stream to the controller is open and answered.', registers: r, collect() { this.set(x.stats().connected ? 1 : 0); } });
}

/**
 * Streams a sidecar's windows to the controller its config names: an
 * exporter attached to its `window` events, its figures on the sidecar's
 * registry. Returns the exporter (close it after the sidecar stopped, so
 * the last window goes too).
 */
export function startSidecarTelemetry(sidecar: EventEmitter, config: SidecarConfig, registry: Registry): TelemetryExporter | undefined {
  const c = config.controller;
  if (!c) return undefined;
  const token = c.tokenFile ? readTokenFile(c.tokenFile, 'controller.tokenFile') : c.token;
  const x = new TelemetryExporter({
    target: formatHostPort(c.address), sender: `${config.service}/${config.pod}`, token,
    flushIntervalMs: c.flushInterval, maxBufferedWindows: c.maxBufferedWindows, ...(c.tlsCa ? { tls: { caFile: c.tlsCa } } : {}),
  });
  x.attach(sidecar);
  registerExporterMetrics(registry, x);
  return x;
}
