import { decodeHistogram, failIfMostlyUnusable, findSameEndpoint, loadConfig, readCapture, requestProblem, SkipReport, seededRandom, ShadowtwinError, validateConfig, validRecord, VERSION, type PlainObject, type RequestRecord } from '../common/index.js';
import { EXECUTORS, peakRate } from './load/executors.js';
import { LoadRun } from './load-run.js';
import { primaryOrigin } from './primary-hosts.js';
import { buildReport, type RunReport } from './run-report.js';
import { scenarioChecks, scenarioSchema, type Scenario } from './scenario.js';
import { captureMixSource, fixedSource, replaySource, type RequestSource } from './sources/request-source.js';
import { modelSource, SessionArrivals, type SessionAssigner } from './sources/model-source.js';
import { SessionInterleave } from './sources/session-interleave.js';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseRequestModel, readRequestModel, type RequestModel } from '../profiler/index.js';
import type { Threshold } from './thresholds.js';

/**
 * A scenario document, validated with every problem listed. With `inputs`,
 * the documents that come with it (a model, capture records) stand in for
 * the files its source would name.
 */
export function parseScenario(input: unknown, inputs: RunInputs = {}): Scenario {
  const given = { model: inputs.model !== undefined, records: inputs.records !== undefined };
  return validateConfig(scenarioSchema, input, 'scenario', (raw) => scenarioChecks(raw, given), 'ST_ERR_SCENARIO_INVALID');
}

/**
 * Documents a run can be given instead of the files its scenario names: an
 * agent runs work it received over the wire. Validated like the files.
 */
export interface RunInputs {
  /** A request model as `shadowtwin profile build` writes it (parsed JSON), for source kind model. */
  model?: unknown;
  /** Capture records (parsed NDJSON lines, header lines allowed), for replay and capture-mix. */
  records?: readonly unknown[];
}

/** A scenario file (YAML/JSON) with flag overrides on top, validated with every problem listed. */
export function loadScenario(file: string | undefined, overrides: PlainObject = {}): Scenario {
  return loadConfig({ schema: scenarioSchema, label: file ? `scenario ${file}` : 'scenario', file, flags: overrides, checks: scenarioChecks, code: 'ST_ERR_SCENARIO_INVALID' });
}

export interface PreparedRun {
  run: LoadRun;
  /** The run's id: its windows' source.runId and its report's meta.runId. */
  runId: string;
  scenario: Scenario;
  /** Lines skipped while reading a capture (replay/capture-mix sources). */
  skipped?: SkipReport;
  /** Runs to the end (or until `run.stop()`), then builds the report. */
  execute(): Promise<RunReport>;
}

export interface PrepareOptions {
  /** Primary hosts from the environment (SHADOWTWIN_PRIMARY): never targeted. */
  primary?: readonly string[];
  segment?: { index: number; count: number };
  scenarioFile?: string;
  /** Documents instead of the scenario's files (`RunInputs`). */
  inputs?: RunInputs;
}

/**
 * Builds a run from a scenario: source, executor, safety checks. The CLI,
 * the scaler's validation runs and the control plane all start load here.
 * The model or capture comes from `opts.inputs` when given, else from the
 * file the scenario names. The run's `report` event carries its report.
 */
export async function prepareRun(scenario: Scenario, opts: PrepareOptions = {}): Promise<PreparedRun> {
  const target = scenario.target;
  // Every entry must parse: a primary that cannot be identified stops the run (fail closed), it is never skipped.
  const forbidden = [...scenario.primary, ...(opts.primary ?? []).map((p) => primaryOrigin(p))];
  // Resolved addresses, not strings: localhost, 127.0.0.1, [::ffff:127.0.0.1] and 0.0.0.0 are one host.
  const same = await findSameEndpoint([target], forbidden);
  if (same) {
    throw new ShadowtwinError('ST_ERR_SAFETY_TARGET_IS_PRIMARY', `refusing to generate load against ${target}: it reaches the primary host ${same.forbidden} (same address and port); target the secondary`);
  }
  const random = seededRandom(scenario.seed);
  // Random per prepared run: the report's meta.runId and its windows' source.runId.
  const runId = randomUUID();
  let records: RequestRecord[] | undefined;
  let skipped: SkipReport | undefined;
  let model: RequestModel | undefined;
  const inputs = opts.inputs ?? {};
  const file = scenario.source.file;
  if (scenario.source.kind === 'model') {
    const where = inputs.model !== undefined ? 'the request model given' : file;
    if (where === undefined) throw new ShadowtwinError('ST_ERR_SCENARIO_INVALID', 'the scenario\'s model source has no file and no model was given; set source.file or pass the model document');
    model = inputs.model !== undefined ? parseRequestModel(inputs.model, where) : readRequestModel(where);
    if (model.routes.length === 0) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${where} is a request model with no routes (build one from traffic with shadowtwin profile build)`);
  } else if (scenario.source.kind !== 'fixed') {
    const where = inputs.records !== undefined ? 'the capture records given' : file;
    if (where === undefined) throw new ShadowtwinError('ST_ERR_SCENARIO_INVALID', `the scenario's ${scenario.source.kind} source has no file and no capture records were given; set source.file or pass the records`);
    const loaded = inputs.records !== undefined ? givenRecords(inputs.records, where) : await loadSendableCapture(where);
    records = loaded.records;
    skipped = loaded.skips;
    if (records.length === 0) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${where} has no request records to ${scenario.source.kind === 'replay' ? 'replay' : 'sample'}`);
  }
  // Only a replay without loop may leave the duration out (scenarioChecks): it lasts as long as the capture ÷ speed.
  const durationMs = scenario.duration ?? replaySpanMs(records ?? [], scenario.load.speed ?? 1);
  const executor = EXECUTORS[scenario.load.executor]({
    load: scenario.load,
    durationMs,
    rampUpMs: scenario.rampUp,
    rampDownMs: scenario.rampDown,
    events: scenario.events.map((e) => ({ name: e.name, startMs: e.start, durationMs: e.duration, multiplier: e.multiplier })),
    random,
    replayTimestamps: records?.map((r) => r.ts),
  });
  let sessionArrivals: SessionArrivals | undefined;
  if (scenario.load.executor === 'sessions' && executor.model === 'open') {
    if (!model?.sessions) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${scenario.source.file} has no session model (its inputs had no session or client key); use another executor`);
    sessionArrivals = new SessionArrivals(model, executor.arrivals, durationMs, seededRandom(scenario.seed + 2), scenario.load.speed ?? 1);
  }
  let sessions: SessionAssigner | undefined = sessionArrivals;
  if (!sessions && model?.sessions && executor.model === 'open' && executor.profile) {
    // Rate-driven executors: the executor sets the times, open sessions share the arrivals.
    const think = decodeHistogram(model.sessions.thinkTimeMs);
    const open = SessionInterleave.openFor(peakRate(executor.profile, durationMs), think.totalCount ? think.mean : 0, scenario.load.speed ?? 1);
    sessions = new SessionInterleave(model, open, seededRandom(scenario.seed + 2));
  }
  const overrides = scenario.events.filter((e) => e.routes).map((e) => ({ startMs: e.start, durationMs: e.duration, routes: e.routes! }));
  const source: RequestSource = scenario.source.kind === 'fixed'
    ? fixedSource({ method: scenario.source.method, path: scenario.source.path!, headers: scenario.source.headers, body: scenario.source.body })
    : scenario.source.kind === 'replay'
      ? replaySource(records!, scenario.source.headers)
      : scenario.source.kind === 'model'
        ? modelSource(model!, scenario.seed + 1, {
          // The model source draws its own user agents: the run's default one would override them.
          headers: { ...scenario.source.headers, ...scenario.headers }, overrides, sessions,
          userAgents: scenario.source.userAgents, geo: scenario.source.geo, geoHeader: scenario.source.geoHeader, clients: scenario.source.clients, sessionKey: scenario.source.sessions,
        })
        : captureMixSource(records!, seededRandom(scenario.seed + 1), scenario.source.headers);

  // Sessions: the request rate is the session-start rate times the mean session length.
  const perArrival = sessionArrivals && model?.sessions ? Math.max(1, decodeHistogram(model.sessions.length).mean) : 1;
  const peak = executor.model === 'open'
    ? (executor.profile ? peakRate(executor.profile, durationMs) * perArrival : replayPeak(records ?? [], scenario.load.speed ?? 1))
    : 0;
  if (peak > scenario.maxRate) {
    throw new ShadowtwinError('ST_ERR_GENERATOR_RATE_CAP', `the scenario peaks at ${Math.round(peak)} req/s, above maxRate ${scenario.maxRate}; lower the load or raise the cap (--max-rate / maxRate) if you mean it`);
  }
  const run = new LoadRun({
    target,
    source,
    durationMs,
    ...(executor.model === 'open' ? { arrivals: sessionArrivals ?? executor.arrivals } : { closed: { vus: executor.vus } }),
    http: {
      connections: scenario.http.connections, pipelining: scenario.http.pipelining, timeoutMs: scenario.http.timeout, maxInFlight: scenario.http.maxInFlight,
      http2: scenario.http.http2, tlsInsecure: scenario.http.insecure, ...(scenario.http.ca ? { ca: readCa(scenario.http.ca) } : {}),
    },
    ...(scenario.source.kind === 'model' ? {} : { headers: { 'user-agent': `shadowtwin/${VERSION}`, ...scenario.headers } }),
    faults: scenario.faults,
    random,
    segment: opts.segment,
    windowSource: { runId },
  });
  const scenarioId = scenarioIdentity(scenario);
  const thresholds: Threshold[] = scenario.thresholds.map((t) => (typeof t === 'string' ? { expr: t } : t));
  return {
    run,
    runId,
    scenario,
    skipped,
    async execute() {
      const start = new Date();
      const rec = await run.run();
      // The run's own clock (from the first arrival, warm-up excluded); a run stopped early reports its real length, so rates stay honest.
      const elapsed = Math.round(run.elapsedMs);
      const interrupted = run.stopRequested && elapsed < durationMs;
      const report = buildReport(rec, {
        tool: 'shadowtwin', version: VERSION, target, executor: scenario.load.executor, source: scenario.source.kind,
        ...(opts.scenarioFile ? { scenario: opts.scenarioFile } : {}), seed: scenario.seed, start: start.toISOString(),
        runId, scenarioId,
        durationMs: interrupted ? Math.max(1, elapsed) : durationMs,
        ...(opts.segment ? { segment: opts.segment } : {}),
        ...(interrupted ? { interrupted: true as const } : {}),
      }, thresholds);
      run.emit('report', report);
      return report;
    },
  };
}

/**
 * A capture's records, sorted by time, without those that cannot be sent
 * safely: a method that is not a token, a path with CR/LF, a space or a
 * control character, a header that would split the head. Those are skipped
 * and counted (bad_method, bad_target, bad_header) with their line, never
 * replayed: a capture line is not trusted to be a well-formed request.
 */
async function loadSendableCapture(file: string): Promise<{ records: RequestRecord[]; skips: SkipReport }> {
  const skips = new SkipReport();
  const records: RequestRecord[] = [];
  const at = { line: 0, text: '' };
  for await (const r of readCapture(file, skips, at)) keepSendable(r, at.line, at.text, records, skips);
  records.sort((a, b) => a.ts - b.ts);
  return { records, skips };
}

/**
 * Capture records given as documents, read like a capture file's lines
 * (entry i is "line" i + 1): header entries pass, entries without the
 * record fields are skipped (missing_fields), unsendable ones too; mostly
 * unusable input is ST_ERR_INPUT_FORMAT.
 */
function givenRecords(entries: readonly unknown[], where: string): { records: RequestRecord[]; skips: SkipReport } {
  const skips = new SkipReport();
  const records: RequestRecord[] = [];
  let good = 0;
  entries.forEach((v, i) => {
    if ((v as { shadowtwin?: unknown } | null)?.shadowtwin === 'capture') return;
    const text = (): string => JSON.stringify(v) ?? String(v);
    if (!validRecord(v)) { skips.skip(i + 1, 'missing_fields', text()); return; }
    good++;
    // A copy: the caller's documents are not changed (route defaults to the path, as when read from a file).
    keepSendable({ ...v, route: v.route || v.path }, i + 1, '', records, skips, text);
  });
  if (skips.total > 0) failIfMostlyUnusable(where, 'shadowtwin capture records (RequestRecords)', entries.length, good, skips);
  records.sort((a, b) => a.ts - b.ts);
  return { records, skips };
}

/** Keeps a record whose request can be sent safely; skips (and counts) one that cannot. */
function keepSendable(r: RequestRecord, line: number, text: string, records: RequestRecord[], skips: SkipReport, lazyText?: () => string): void {
  const query = r.queryKeys?.length ? '?' : '';
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
  if (r.contentType !== undefined) headers['content-type'] = String(r.contentType);
  const problem = typeof r.method !== 'string' || typeof r.path !== 'string' ? 'bad_target' : requestProblem(r.method, r.path + query, headers);
  if (problem) { skips.skip(line, problem, lazyText ? lazyText() : text); return; }
  records.push(r);
}

/**
 * The scenario as run, hashed (16 hex): what `report merge` compares, so the
 * segments of one distributed run (same scenario, each with its own
 * --segment, which is not part of it) merge and reports of other scenarios
 * do not. The primary list (environment-dependent) is left out.
 */
function scenarioIdentity(scenario: Scenario): string {
  const { primary: _primary, ...rest } = scenario;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex').slice(0, 16);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** How long a capture lasts played at `speed` (ms), so its last record is sent. */
function replaySpanMs(records: readonly RequestRecord[], speed: number): number {
  if (records.length === 0) return 0;
  let lo = records[0]!.ts;
  let hi = lo;
  for (const r of records) { if (r.ts < lo) lo = r.ts; if (r.ts > hi) hi = r.ts; }
  return Math.floor((hi - lo) / speed) + 1;
}

/** Highest one-second arrival count of a recording played at `speed`. */
function replayPeak(records: readonly RequestRecord[], speed: number): number {
  const perSecond = new Map<number, number>();
  const t0 = records[0]?.ts ?? 0;
  for (const r of records) {
    const s = Math.floor(((r.ts - t0) / speed) / 1000);
    perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
  }
  return Math.max(0, ...perSecond.values());
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `cannot read the CA file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}
