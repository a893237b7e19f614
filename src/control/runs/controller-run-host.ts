import { RUN_REPORT_CONTRACT, RUN_REPORT_KIND, type Logger, type RunReport } from '../../common/index.js';
import type { Controller } from '../controller.js';
import type { RunHost, RunInfo } from './run-manager.js';

/** Kind of the stored record of a run as it ended (key its id). */
export const RUN_KIND = 'shadowtwin.run';

/** What a RunManager uses of the controller: config, live mix, forecast, ingest, events, the document store. */
export function controllerRunHost(c: Controller, log: Logger): RunHost {
  return {
    services: () => c.config.services,
    limits: { maxConcurrent: c.config.runs.maxConcurrent, maxDurationMs: c.config.runs.maxDuration },
    liveMix: (service) => c.fleet.liveMix(service),
    forecastRate: (service) => c.forecasts.forecast(service)?.points[0]?.point,
    ingest: (batch) => c.ingest(batch),
    record: (events) => c.record(events),
    putReport: (report) => c.store.putDocument(report.meta.runId!, report, RUN_REPORT_CONTRACT),
    getReport: (id) => c.store.getDocument<RunReport>(RUN_REPORT_KIND, id, RUN_REPORT_CONTRACT),
    putRun: (info) => c.store.putDocument(info.id, { kind: RUN_KIND, version: 1, ...info }),
    listRuns: (limit) => c.store.listDocuments<RunInfo & { kind: string; version: number }>(RUN_KIND, limit).map(({ doc: { kind: _k, version: _v, ...info } }) => info),
    warn: (err, message) => log.warn({ err }, message),
  };
}
