import { describe, expect, it } from 'vitest';
import { mergeWindows, parseSidecarConfig, type WindowDocument } from '../../../src/common/index.js';
import { CaptureFilter } from '../../../src/proxy/filters/capture.js';
import { compileFilters, type ProxyFilter } from '../../../src/proxy/filters/filter.js';
import { WindowAggregator } from '../../../src/proxy/window-aggregator.js';

describe('compileFilters', () => {
  it('keeps, per hook, only the enabled filters that implement it, in order', () => {
    const a: ProxyFilter = { onRequest: () => false, onFinish: () => undefined };
    const b: ProxyFilter = { onRequestBody: () => undefined, onFinish: () => undefined };
    const c: ProxyFilter = { onResponse: () => undefined };
    const chain = compileFilters([a, undefined, b, c]);
    expect(chain.request).toEqual([a]);
    expect(chain.body).toEqual([b]);
    expect(chain.response).toEqual([c]);
    expect(chain.finish).toEqual([a, b]);
    expect(Object.isFrozen(chain.finish)).toBe(true);
  });

  it('compiles capture\'s body hooks only in full mode', () => {
    const source = { service: 's', pod: 'p', role: 'primary' } as const;
    const meta = new CaptureFilter(parseSidecarConfig({ primary: ['http://127.0.0.1:1'] }).capture, new WindowAggregator(source, 10), undefined);
    const full = new CaptureFilter(parseSidecarConfig({ primary: ['http://127.0.0.1:1'], capture: { mode: 'full' } }).capture, new WindowAggregator(source, 10), undefined);
    expect(compileFilters([meta])).toMatchObject({ request: [], body: [], finish: [meta] });
    expect(compileFilters([full])).toMatchObject({ request: [full], body: [full], finish: [full] });
  });
});

describe('WindowAggregator', () => {
  it('emits non-empty windows with its source and ST_* codes, and its snapshot is the windows merged', () => {
    const t0 = Date.now();
    const agg = new WindowAggregator({ service: 'shop', pod: 'shop-1', role: 'secondary' }, 100);
    const out: WindowDocument[] = [];
    agg.on('window', (w) => out.push(w));
    agg.record('/a', 'GET', 200, 3, 0, 10, undefined);
    agg.record('/a', 'GET', 0, 0, 0, 0, 'ST_TIMEOUT');
    agg.rotate(t0 + 2000);
    agg.rotate(t0 + 3000); // empty: not emitted
    agg.record('/a', 'GET', 502, 7, 5, 0, 'ST_ERR_PROXY_UPSTREAM_RESET');
    agg.rotate(t0 + 4000);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ kind: 'shadowtwin.window', version: 1, source: { service: 'shop', pod: 'shop-1', role: 'secondary' }, end: t0 + 2000 });
    expect(out[0]!.routes[0]).toMatchObject({ requests: 2, errors: 1, status: { 0: 1, 200: 1 }, codes: { ST_TIMEOUT: 1 } });
    expect(out[1]).toMatchObject({ start: t0 + 3000, end: t0 + 4000 });
    const merged = mergeWindows(out).routes[0]!;
    const snapshot = agg.snapshot().encode()[0]!;
    expect(merged).toMatchObject({ requests: 3, errors: 2, reqBytes: 5, resBytes: 10, codes: { ST_TIMEOUT: 1, ST_ERR_PROXY_UPSTREAM_RESET: 1 } });
    expect({ ...snapshot, histogram: undefined }).toEqual({ ...merged, histogram: undefined });
  });
});
