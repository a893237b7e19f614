import type { IncomingMessage, ServerResponse } from 'node:http';
import { ShadowtwinError } from '../../common/index.js';
import type { ControllerEvent, EventLog } from './event-log.js';

export interface SseOptions {
  /** Older events than memory holds (from the store), for a client resuming far back. */
  backfill?(afterId: number, limit: number): ControllerEvent[];
  /** Keep-alive comment period (default 15 s): proxies close idle streams. */
  heartbeatMs?: number;
  /** A slow client whose socket buffer exceeds this is cut (default 1 MiB): it reconnects and backfills. */
  maxBufferedBytes?: number;
  filter?(e: ControllerEvent): boolean;
  /** Streams served at once (default 500); more are refused with 429 rather than held. */
  maxStreams?: number;
}

/** Streams open per event log (one per controller). */
const openStreams = new WeakMap<EventLog, number>();

/** One event in the text/event-stream framing (id lets the browser resume with Last-Event-ID). */
export function sseFrame(e: ControllerEvent): string {
  return `id: ${e.id}\nevent: ${e.kind}\ndata: ${JSON.stringify(e)}\n\n`;
}

/**
 * Serves the event log as server-sent events: first what the client missed
 * (after `Last-Event-ID` or `?after=`), then live events. A slow reader is
 * disconnected rather than buffered without bound.
 */
export function serveEventStream(req: IncomingMessage, res: ServerResponse, log: EventLog, o: SseOptions = {}): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const header = req.headers['last-event-id'];
  const query = url.searchParams.get('after');
  // ?after= is the caller's: a bad one is a 400. Last-Event-ID is the browser's echo of an id we sent: one we
  // cannot use (junk, or beyond the latest: a client of a wiped data directory) means "from now".
  if (query !== null && !/^\d{1,15}$/.test(query)) throw new ShadowtwinError('ST_ERR_ADMIN_BAD_REQUEST', `?after=${query.slice(0, 40)}: give an event id (a whole number ≥ 0)`);
  const raw = (Array.isArray(header) ? header[0] : header) ?? query;
  const after = raw !== undefined && raw !== null && /^\d{1,15}$/.test(raw) ? Number(raw) : log.latestId;
  const from = Math.min(after, log.latestId);
  const streams = openStreams.get(log) ?? 0;
  if (streams >= (o.maxStreams ?? 500)) throw new ShadowtwinError('ST_ERR_CONTROL_TOO_MANY_STREAMS', `${streams} event streams are open; close one (a dashboard tab, ctl events --follow) and retry`);
  openStreams.set(log, streams + 1);
  const maxBuffered = o.maxBufferedBytes ?? 1 << 20;
  const keep = o.filter ?? (() => true);
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write(': shadowtwin events\nretry: 2000\n\n');
  let last = from;
  const send = (e: ControllerEvent): void => {
    if (e.id <= last) return;
    last = e.id;
    if (!keep(e)) return;
    res.write(sseFrame(e));
    if (res.writableLength > maxBuffered) close();
  };
  // Backfill: memory, and the store for what memory no longer holds.
  const mem = log.since(from, 100_000);
  if (!mem.complete && o.backfill) for (const e of o.backfill(from, 10_000)) send(e);
  for (const e of mem.events) send(e);
  const unsubscribe = log.subscribe(send);
  const beat = setInterval(() => res.write(': keep-alive\n\n'), o.heartbeatMs ?? 15_000);
  beat.unref();
  let closed = false;
  function close(): void {
    if (closed) return;
    closed = true;
    openStreams.set(log, (openStreams.get(log) ?? 1) - 1);
    clearInterval(beat);
    unsubscribe();
    res.end();
    res.destroy();
  }
  req.on('close', close);
  res.on('error', close);
}
