/**
 * What every ingest adapter yields: the fields of a RequestRecord that the
 * source can know. Access logs know no request size or latency, for example.
 */
export interface Observation {
  ts: number;
  method: string;
  /** Path with query string, as requested. */
  target: string;
  status: number;
  resBytes: number;
  reqBytes?: number;
  durationMs?: number;
  client?: string;
  session?: string;
  userAgent?: string;
  contentType?: string;
  geo?: string;
  route?: string;
  /** Redacted body exemplar (full captures only). */
  body?: string;
}

/** A line that could not be used, and why (reasons are stable names for reports). */
export class LineError extends Error {
  constructor(readonly reason: string) { super(reason); }
}
