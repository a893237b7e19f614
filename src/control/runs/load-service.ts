import type { ServerUnaryCall, ServerWritableStream, sendUnaryData } from '@grpc/grpc-js';
import { ShadowtwinError, type WindowDocument } from '../../common/index.js';
import { loadPb, metadataAllowed, statusOf, windowPb, windowToProto } from '../grpc/index.js';
import type { RunInfo, RunManager, RunStartRequest } from './run-manager.js';

const STATE: Record<RunInfo['status'], loadPb.RunState> = {
  running: loadPb.RunState.RUN_STATE_RUNNING,
  stopping: loadPb.RunState.RUN_STATE_STOPPING,
  finished: loadPb.RunState.RUN_STATE_FINISHED,
  failed: loadPb.RunState.RUN_STATE_FAILED,
};

function runPb(r: RunInfo): loadPb.Run {
  return { runId: r.id, service: r.service, state: STATE[r.status], factor: r.multiplier, startedAt: r.started, ...(r.ended !== undefined ? { endedAt: r.ended } : {}), reason: r.reason ?? '' };
}

const invalid = (message: string): ShadowtwinError => new ShadowtwinError('ST_ERR_CONTROL_RUN_INVALID', message);

/** A StartRunRequest as the manager's request: the oneof decides the kind; a scenario is a Document whose json is the scenario. */
export function startFromPb(req: loadPb.StartRunRequest): RunStartRequest {
  const durationMs = req.durationMs > 0 ? req.durationMs : undefined;
  switch (req.load?.$case) {
    case 'scenario': {
      let doc: unknown;
      try { doc = JSON.parse(req.load.value.json); } catch (err) { throw new ShadowtwinError('ST_ERR_SCENARIO_INVALID', `scenario.json is not JSON: ${(err as Error).message}`); }
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ShadowtwinError('ST_ERR_SCENARIO_INVALID', 'scenario.json must be a scenario document (an object)');
      if (durationMs !== undefined) (doc as Record<string, unknown>).duration = durationMs;
      return { scenario: doc, ...(req.service ? { service: req.service } : {}) };
    }
    case 'modelRate':
    case 'forecastMultiple': {
      if (!req.service) throw invalid('a synthesized run needs service (whose live model and secondary it uses)');
      const v = req.load.value;
      if (!Number.isFinite(v) || v <= 0) throw invalid(`${req.load.$case === 'modelRate' ? 'model_rate' : 'forecast_multiple'} ${v}: give a number above 0`);
      const extra = durationMs !== undefined ? { durationMs } : {};
      return req.load.$case === 'modelRate' ? { service: req.service, rate: v, ...extra } : { service: req.service, forecastMultiple: v, ...extra };
    }
    default:
      throw invalid('give one of scenario, model_rate or forecast_multiple');
  }
}

/** LoadService on the controller's gRPC server: Start, Adjust, Stop, Watch (the run's windows as they close), GetReport. */
export function createLoadService(runs: RunManager, token: string | undefined): {
  definition: typeof loadPb.LoadServiceService;
  implementation: loadPb.LoadServiceServer;
  closeStreams(): void;
} {
  const streams = new Set<ServerWritableStream<loadPb.WatchRunRequest, windowPb.WindowDocument>>();
  function unary<Req, Res>(fn: (req: Req) => Promise<Res> | Res) {
    return (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>): void => {
      if (!metadataAllowed(call.metadata, token)) { cb(statusOf(new ShadowtwinError('ST_ERR_CONTROL_UNAUTHENTICATED', 'LoadService needs metadata "authorization: Bearer <token>"'))); return; }
      Promise.resolve().then(() => fn(call.request)).then((r) => cb(null, r), (err: unknown) => cb(statusOf(err)));
    };
  }
  return {
    definition: loadPb.LoadServiceService,
    implementation: {
      start: unary(async (req: loadPb.StartRunRequest) => runPb(await runs.start(startFromPb(req)))),
      adjust: unary((req: loadPb.AdjustRunRequest) => runPb(runs.adjust(req.runId, req.factor))),
      stop: unary((req: loadPb.StopRunRequest) => runPb(runs.stop(req.runId))),
      getReport: unary((req: loadPb.GetReportRequest) => {
        const r = runs.report(req.runId);
        return { kind: r.kind, version: r.version, json: JSON.stringify(r) };
      }),
      watch: (call: ServerWritableStream<loadPb.WatchRunRequest, windowPb.WindowDocument>) => {
        if (!metadataAllowed(call.metadata, token)) { call.emit('error', statusOf(new ShadowtwinError('ST_ERR_CONTROL_UNAUTHENTICATED', 'LoadService needs metadata "authorization: Bearer <token>"'))); return; }
        let info: RunInfo;
        try {
          info = runs.get(call.request.runId);
        } catch (err) {
          call.emit('error', statusOf(err));
          return;
        }
        if (info.status === 'finished' || info.status === 'failed') { call.end(); return; }
        const w = runs.watch(info.id);
        const onWindow = (d: WindowDocument): void => { call.write(windowToProto(d)); };
        const onEnd = (): void => { cleanup(); call.end(); };
        const cleanup = (): void => { w.off('window', onWindow); w.off('end', onEnd); streams.delete(call); };
        w.on('window', onWindow);
        w.on('end', onEnd);
        streams.add(call);
        call.on('cancelled', cleanup);
      },
    },
    closeStreams() {
      for (const s of streams) s.end();
      streams.clear();
    },
  };
}
