import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ControllerEvent, EventLog } from './event-log.js';

export interface SseOptions {
  /** Older events than memory holds (from the store), for a client resuming far back. */
  backfill?(afterId: number, limit: number): ControllerEvent[];
  /** Keep-alive comment period (default 15 s): proxies close idle streams. */
  heartbeatMs?: number;
  /** A slow client whose socket buffer exceeds this is cut (default 1 MiB): it reconnects and backfills. */
  maxBufferedBytes?: number;
  filter?(e: ControllerEvent): boolean;
}

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
  const after = Number((Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('after') ?? log.latestId);
  const from = Number.isFinite(after) && after >= 0 ? Math.floor(after) : log.latestId;
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
    clearInterval(beat);
    unsubscribe();
    res.end();
    res.destroy();
  }
  req.on('close', close);
  res.on('error', close);
}
