import { failIfMostlyUnusable, readCapture, readLineBatches, salvageInto, SkipReport } from '../../common/capture-reader.js';
import { ShadowtwinError } from '../../common/errors.js';
import { type CaptureHeader, type RequestRecord } from '../../common/request-record.js';
import { parseAccessLogLine } from './access-log.js';
import { readGorPayloads, parseGorPayload } from './gor.js';
import { DEFAULT_NGINX_JSON_FIELDS, parseNginxJsonLine, type NginxJsonFieldMap } from './nginx-json.js';
import { LineError, type Observation } from './observation.js';
import { TimeFilter } from './time-filter.js';

export const INPUT_FORMATS = ['capture', 'combined', 'common', 'nginx-json', 'gor'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

const FORMAT_NAMES: Record<InputFormat, string> = {
  capture: 'a shadowtwin capture (NDJSON RequestRecords)',
  combined: 'Combined Log Format (host ident user [time] "request" status bytes "referer" "user-agent")',
  common: 'Common Log Format (host ident user [time] "request" status bytes)',
  'nginx-json': 'nginx JSON access log lines',
  gor: 'GoReplay .gor payloads',
};

export function observationFromRecord(r: RequestRecord): Observation {
  const o: Observation = { ts: r.ts, method: r.method, target: r.queryKeys?.length ? `${r.path}?${r.queryKeys.map((k) => `${k}=`).join('&')}` : r.path, status: r.status, resBytes: r.resBytes, reqBytes: r.reqBytes, durationMs: r.durationMs };
  if (r.client) o.client = r.client;
  if (r.session) o.session = r.session;
  if (r.userAgent) o.userAgent = r.userAgent;
  if (r.contentType) o.contentType = r.contentType;
  if (r.geo) o.geo = r.geo;
  if (r.route) o.route = r.route;
  if (r.body) o.body = r.body;
  return o;
}

/** After this many lines, an input with under 20% usable lines is the wrong format. */
const JUDGE_AFTER = 200;

/**
 * Observations from any supported input, streaming with constant memory.
 * Bad lines are skipped and counted by reason with line numbers (`skips`),
 * implausible times too (`bad_time`, see `TimeFilter`); an input that is
 * mostly unparseable fails with ST_ERR_INPUT_FORMAT naming the expected
 * format; a gzip that ends early keeps what was read (a warning in `skips`).
 */
export async function* readObservations(file: string, format: InputFormat, skips: SkipReport, fields: NginxJsonFieldMap = DEFAULT_NGINX_JSON_FIELDS): AsyncGenerator<Observation> {
  for await (const batch of readObservationBatches(file, format, skips, fields)) yield* batch;
}

/**
 * The same, in batches (one await per read chunk: the fast path for big
 * files). With `opts.times` (a filter shared by several inputs, as
 * `buildModel` does) records may still be held when this input ends: the
 * owner of the filter calls `finish`.
 */
export async function* readObservationBatches(file: string, format: InputFormat, skips: SkipReport, fields: NginxJsonFieldMap = DEFAULT_NGINX_JSON_FIELDS, opts: { now?: number; times?: TimeFilter; onCaptureHeader?: (h: CaptureHeader) => void } = {}): AsyncGenerator<Observation[]> {
  const times = opts.times ?? new TimeFilter(opts);
  times.startInput(file, skips);
  if (format === 'capture') {
    let batch: Observation[] = [];
    const at = { line: 0, text: '' };
    for await (const r of readCapture(file, skips, at, opts.onCaptureHeader)) {
      times.offer(observationFromRecord(r), at.line, at.text, batch);
      if (batch.length >= 1024) { yield batch; batch = []; }
    }
    if (!opts.times) times.finish(batch);
    if (batch.length) yield batch;
    return;
  }
  /** Entries (non-empty lines, payloads) and the physical line (or payload) number for reports. */
  let n = 0;
  let line = 0;
  let good = 0;
  // Chosen once, not per line: this loop runs for every line of multi-GB inputs.
  const parse: (text: string) => Observation | undefined | null = format === 'gor' ? parseGorPayload : format === 'nginx-json' ? (text) => parseNginxJsonLine(text, fields) : parseAccessLogLine;
  const skipEmpty = format !== 'gor';
  const source: AsyncIterable<string[]> = format === 'gor' ? batched(readGorPayloads(file, salvageInto(skips))) : readLineBatches(file, salvageInto(skips));
  for await (const texts of source) {
    const out: Observation[] = [];
    for (const text of texts) {
      line++;
      if (skipEmpty && text.length === 0) continue;
      n++;
      try {
        const obs = parse(text);
        if (obs) {
          good++;
          times.offer(obs, line, text, out);
        }
      } catch (err) {
        if (!(err instanceof LineError)) throw err;
        skips.skip(line, err.reason, text);
      }
      if (n === JUDGE_AFTER) failIfMostlyUnusable(file, FORMAT_NAMES[format], n, good, skips);
    }
    if (out.length) yield out;
  }
  const rest: Observation[] = [];
  if (!opts.times) times.finish(rest);
  if (rest.length) yield rest;
  if (good === 0 && n > 0 && n < JUDGE_AFTER) {
    throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file} has no usable entries as ${FORMAT_NAMES[format]}; check --format`, { details: skips.toJSON() });
  }
}

async function* batched(src: AsyncIterable<string>, size = 256): AsyncGenerator<string[]> {
  let b: string[] = [];
  for await (const x of src) {
    b.push(x);
    if (b.length >= size) { yield b; b = []; }
  }
  if (b.length) yield b;
}
