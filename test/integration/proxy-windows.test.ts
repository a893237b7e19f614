import { hostname } from 'node:os';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { decodeHistogram, encodeHistogram, mergeWindows, parseSidecarConfig, readDocument, WINDOW_CONTRACT, type EncodedRouteStats, type WindowDocument } from '../../src/common/index.js';
import type { HistogramDump } from '../../src/proxy/index.js';
import { readBody, useCleanup } from '../helpers/servers.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * Rows sorted, each histogram decoded and re-encoded the same way: HDR's
 * byte form also carries the histogram's auto-resized range, which depends
 * on how it was built (one table vs windows added up), not on its counts.
 */
const byKey = (rows: readonly EncodedRouteStats[]): EncodedRouteStats[] => [...rows]
  .sort((a, b) => `${a.method} ${a.route}`.localeCompare(`${b.method} ${b.route}`))
  .map((r) => ({ ...r, histogram: encodeHistogram(decodeHistogram(r.histogram)) }));

describe('sidecar telemetry windows (the window contract)', () => {
  const { server, sidecar } = useCleanup();

  it('emits windows for the primary and the secondary side with their source and ST_* codes; consecutive windows merge to /histograms exactly', async () => {
    // /slow never answers: the primary side times out (504), the shadow copy times out at the secondary.
    const primary = await server(async (req, res) => { await readBody(req); if (req.url !== '/slow') res.end(`primary ${req.url}`); });
    let seen = 0;
    const secondary = await server(async (req, res) => { await readBody(req); seen++; if (req.url !== '/slow') { res.statusCode = req.url === '/orders' ? 201 : 200; res.end('secondary'); } });
    const sc = await sidecar({
      primary: [primary.url], secondary: secondary.url, service: 'checkout', pod: 'checkout-0',
      upstream: { responseTimeout: '150ms' },
      mirror: { fraction: 1, methods: ['GET', 'POST'], timeout: '150ms' },
      capture: { window: '1h' }, // rotated by hand below: the test decides where windows end
    });
    const windows: WindowDocument[] = [];
    sc.on('window', (w) => windows.push(w));
    const p = sc.addresses.proxy;
    const get = async (path: string): Promise<number> => { const r = await request(`${p}${path}`); await r.body.dump(); return r.statusCode; };
    // Every copy the mirror decided to send has an outcome on the secondary side.
    const secondarySettled = (n: number) => waitUntil(() => sc.shadowStats.total().requests === n, `${n} shadow outcomes recorded`);

    expect(await get('/users/1')).toBe(200);
    expect(await get('/users/2')).toBe(200);
    expect(await get('/slow')).toBe(504);
    await secondarySettled(3);
    sc.rotateWindows();

    const post = await request(`${p}/orders`, { method: 'POST', body: '{"n":1}', headers: { 'content-type': 'application/json' } });
    expect(post.statusCode).toBe(200);
    await post.body.dump();
    expect(await get('/users/3')).toBe(200);
    await secondarySettled(5);
    sc.rotateWindows();
    sc.rotateWindows(); // nothing happened in between: no empty window is emitted

    expect(await get('/users/4')).toBe(200);
    await secondarySettled(6);
    sc.rotateWindows();
    expect(seen).toBe(6);

    // Each one is a valid window document, named by its source.
    for (const w of windows) expect(readDocument(WINDOW_CONTRACT, JSON.parse(JSON.stringify(w)), 'window')).toEqual(w);
    const primaryWindows = windows.filter((w) => w.source.role === 'primary');
    const secondaryWindows = windows.filter((w) => w.source.role === 'secondary');
    expect(primaryWindows).toHaveLength(3);
    expect(secondaryWindows).toHaveLength(3);
    for (const w of windows) expect(w.source).toEqual({ service: 'checkout', pod: 'checkout-0', role: w.source.role });
    for (const side of [primaryWindows, secondaryWindows]) {
      // Consecutive, never overlapping: the second starts where the first ended; the empty window
      // between the second and the third was not emitted, so the third starts at its end.
      expect(side[1]!.start).toBe(side[0]!.end);
      expect(side[2]!.start).toBeGreaterThanOrEqual(side[1]!.end);
      for (const w of side) expect(w.end).toBeGreaterThanOrEqual(w.start);
    }
    // Both sides share the rotation's end time.
    expect(primaryWindows.map((w) => w.end)).toEqual(secondaryWindows.map((w) => w.end));

    // Codes: the primary request that timed out, and the shadow copy that timed out at the secondary.
    const slowPrimary = primaryWindows[0]!.routes.find((r) => r.route === '/slow')!;
    expect(slowPrimary).toMatchObject({ requests: 1, errors: 1, status: { 504: 1 }, codes: { ST_ERR_PROXY_UPSTREAM_TIMEOUT: 1 } });
    const slowSecondary = secondaryWindows[0]!.routes.find((r) => r.route === '/slow')!;
    expect(slowSecondary).toMatchObject({ requests: 1, errors: 1, codes: { ST_TIMEOUT: 1 } });
    const users = primaryWindows[0]!.routes.find((r) => r.route === '/users/:id')!;
    expect(users).toMatchObject({ requests: 2, errors: 0, status: { 200: 2 } });
    expect(users.codes).toBeUndefined();
    expect(secondaryWindows[1]!.routes.find((r) => r.method === 'POST')).toMatchObject({ route: '/orders', requests: 1, status: { 201: 1 }, reqBytes: 7 });

    // The windows merged are the cumulative /histograms, both sides, exactly (histograms included).
    const dump = await (await request(`${sc.addresses.admin}/histograms`)).body.json() as HistogramDump;
    expect(byKey(mergeWindows(primaryWindows).routes)).toEqual(byKey(dump.primary));
    expect(byKey(mergeWindows(secondaryWindows).routes)).toEqual(byKey(dump.secondary));
    expect(dump.primary.reduce((n, r) => n + r.requests, 0)).toBe(6);
    expect(dump.secondary.reduce((n, r) => n + r.requests, 0)).toBe(6);
  });

  it('names windows "default" and the host name unless told, and closes a last window on stop', async () => {
    expect(parseSidecarConfig({ primary: ['http://127.0.0.1:1'] })).toMatchObject({ service: 'default', pod: hostname() });
    const primary = await server((_req, res) => res.end('ok'));
    const sc = await sidecar({ primary: [primary.url], capture: { window: '1h' } });
    const windows: WindowDocument[] = [];
    sc.on('window', (w) => windows.push(w));
    await (await request(`${sc.addresses.proxy}/a`)).body.dump();
    expect(windows).toEqual([]);
    await sc.stop();
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({ kind: 'shadowtwin.window', version: 1, source: { service: 'default', pod: hostname(), role: 'primary' } });
    expect(windows[0]!.routes).toMatchObject([{ route: '/a', method: 'GET', requests: 1 }]);
  });

  it('emits windows on the capture.window timer', async () => {
    const primary = await server((_req, res) => res.end('ok'));
    const sc = await sidecar({ primary: [primary.url], capture: { window: '100ms' } });
    const windows: WindowDocument[] = [];
    sc.on('window', (w) => windows.push(w));
    await (await request(`${sc.addresses.proxy}/a`)).body.dump();
    await waitUntil(() => windows.length === 1, 'the timer closed the window');
    expect(windows[0]!.routes[0]).toMatchObject({ route: '/a', requests: 1 });
  });
});
