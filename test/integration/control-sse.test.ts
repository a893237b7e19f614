import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startEndpoint, type HttpEndpoint } from '../../src/common/index.js';
import { EventLog, serveEventStream, type ControllerEvent } from '../../src/control/events/index.js';
import { waitUntil } from '../helpers/wait.js';

/** Reads an SSE response, collecting the event ids as frames arrive. */
async function follow(url: string, headers: Record<string, string> = {}): Promise<{ ids: number[]; kinds: string[]; close(): void }> {
  const ac = new AbortController();
  const res = await request(url, { headers, signal: ac.signal });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/text\/event-stream/);
  const out = { ids: [] as number[], kinds: [] as string[], close: () => ac.abort() };
  let buf = '';
  res.body.setEncoding('utf8');
  res.body.on('data', (chunk: string) => {
    buf += chunk;
    let at: number;
    while ((at = buf.indexOf('\n\n')) >= 0) {
      const frame = buf.slice(0, at);
      buf = buf.slice(at + 2);
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (data) { const e = JSON.parse(data) as ControllerEvent; out.ids.push(e.id); out.kinds.push(e.kind); }
    }
  });
  res.body.on('error', () => undefined);
  return out;
}

describe('server-sent event stream', () => {
  let ep: HttpEndpoint | undefined;
  afterEach(async () => { await ep?.close(); ep = undefined; });

  it('backfills after Last-Event-ID (from memory and the store), then streams live events; a closed client unsubscribes', async () => {
    const log = new EventLog(5);
    // The "store" holds everything the memory ring evicted.
    const all: ControllerEvent[] = [];
    log.subscribe((e) => all.push(e));
    for (let i = 0; i < 12; i++) log.append({ at: i, kind: 'old', data: { i } });
    ep = await startEndpoint({
      name: 'test', setting: '--http', listen: '127.0.0.1:0', tokenHint: '--token',
      routes: { 'GET /events': (req, res) => { serveEventStream(req, res, log, { backfill: (after, limit) => all.filter((e) => e.id > after).slice(0, limit) }); return undefined; } },
    });
    const a = await follow(`${ep.url}/events`, { 'last-event-id': '3' });
    await waitUntil(() => a.ids.length === 9, 'a.ids.length === 9');
    expect(a.ids).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const b = await follow(`${ep.url}/events?after=10`);
    await waitUntil(() => b.ids.length === 2, 'b.ids.length === 2');
    log.append({ at: 99, kind: 'live', data: {} });
    await waitUntil(() => a.ids.length === 10 && b.ids.length === 3, 'a.ids.length === 10 && b.ids.length === 3');
    expect(a.ids.at(-1)).toBe(13);
    expect(b.kinds).toEqual(['old', 'old', 'live']);
    a.close();
    b.close();
    await waitUntil(() => log.subscribers === 1, 'log.subscribers === 1'); // only the "store" listener is left
  });

  it('with no resume point it starts at the present', async () => {
    const log = new EventLog();
    for (let i = 0; i < 3; i++) log.append({ at: i, kind: 'old', data: {} });
    ep = await startEndpoint({ name: 'test', setting: '--http', listen: '127.0.0.1:0', tokenHint: '--token', routes: { 'GET /events': (req, res) => { serveEventStream(req, res, log); return undefined; } } });
    const c = await follow(`${ep.url}/events`);
    await waitUntil(() => log.subscribers === 1, 'log.subscribers === 1');
    log.append({ at: 9, kind: 'new', data: {} });
    await waitUntil(() => c.ids.length === 1, 'c.ids.length === 1');
    expect(c.ids).toEqual([4]);
    c.close();
  });

  it('a bad ?after= is a 400; an unusable Last-Event-ID (junk, or beyond the latest id: a wiped data directory) streams from now', async () => {
    const log = new EventLog();
    for (let i = 0; i < 3; i++) log.append({ at: i, kind: 'old', data: {} });
    ep = await startEndpoint({ name: 'test', setting: '--http', listen: '127.0.0.1:0', tokenHint: '--token', routes: { 'GET /events': (req, res) => { serveEventStream(req, res, log); return undefined; } } });
    const bad = await request(`${ep.url}/events?after=abc`);
    expect(bad.statusCode).toBe(400);
    expect(((await bad.body.json()) as { error: { code: string } }).error.code).toBe('ST_ERR_ADMIN_BAD_REQUEST');
    const junk = await follow(`${ep.url}/events`, { 'last-event-id': 'abc' });
    const ahead = await follow(`${ep.url}/events`, { 'last-event-id': '100000' });
    await waitUntil(() => log.subscribers === 2, 'both subscribed');
    log.append({ at: 9, kind: 'new', data: {} });
    await waitUntil(() => junk.ids.length === 1 && ahead.ids.length === 1, 'both got the new event');
    expect(junk.ids).toEqual([4]);
    expect(ahead.ids).toEqual([4]);
    junk.close();
    ahead.close();
  });

  it('refuses streams beyond its limit with 429, and takes one again when a stream closes', async () => {
    const log = new EventLog();
    ep = await startEndpoint({ name: 'test', setting: '--http', listen: '127.0.0.1:0', tokenHint: '--token', routes: { 'GET /events': (req, res) => { serveEventStream(req, res, log, { maxStreams: 2 }); return undefined; } } });
    const a = await follow(`${ep.url}/events`);
    const b = await follow(`${ep.url}/events`);
    const third = await request(`${ep.url}/events`);
    expect(third.statusCode).toBe(429);
    expect(((await third.body.json()) as { error: { code: string } }).error.code).toBe('ST_ERR_CONTROL_TOO_MANY_STREAMS');
    a.close();
    await waitUntil(() => log.subscribers === 1, 'one stream closed');
    const c = await follow(`${ep.url}/events`);
    b.close();
    c.close();
  });
});
