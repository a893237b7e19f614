import { describe, expect, it } from 'vitest';
import { encodedRouteStatsSchema, readDocument, WINDOW_CONTRACT, windowSchema, type WindowDocument } from '../../../src/common/index.js';
import { checkWindow, windowFromProto, windowPb, windowToProto } from '../../../src/control/index.js';
import { makeWindow } from '../../helpers/windows.js';

const NOW = 1_780_000_000_000;

/** Through the wire: document → message → bytes → message → document. */
function viaWire(doc: WindowDocument): unknown {
  const bytes = windowPb.WindowDocument.encode(windowToProto(doc)).finish();
  return windowFromProto(windowPb.WindowDocument.decode(bytes));
}

describe('window ↔ proto', () => {
  it('has a proto field for every contract field and no other (contracts/window.ts ↔ window.proto)', () => {
    const keys = (o: object): string[] => Object.keys(o).sort();
    expect(keys(windowPb.WindowDocument.fromPartial({}))).toEqual(keys(windowSchema.shape));
    expect(keys(windowPb.WindowSource.fromPartial({}))).toEqual(keys(windowSchema.shape.source.shape));
    expect(keys(windowPb.RouteStats.fromPartial({}))).toEqual(keys(encodedRouteStatsSchema.shape));
    expect(keys(windowPb.LatencySummaryMs.fromPartial({}))).toEqual(keys(encodedRouteStatsSchema.shape.latencyMs.shape));
  });

  it('round-trips a recorded window field for field through the encoded message', () => {
    const doc = makeWindow(NOW, 3, 4);
    expect(doc.routes[0]!.codes).toEqual({ ST_ERR_PROXY_UPSTREAM_RESET: 1 });
    expect(doc.routes[1]!.codes).toBeUndefined();
    const back = viaWire(doc);
    expect(back).toEqual(doc);
    expect(readDocument(WINDOW_CONTRACT, back, 'the window')).toEqual(doc);
  });

  it('keeps every role and a generator run id', () => {
    for (const role of ['primary', 'secondary', 'generator'] as const) {
      const source = role === 'generator' ? { service: 's', pod: 'agent-0', role, runId: 'run-7' } : { service: 's', pod: 'p', role };
      const doc = makeWindow(NOW, 1, 1, source);
      expect((viaWire(doc) as WindowDocument).source).toEqual(source);
    }
  });

  it('round-trips an empty window and large counts exactly', () => {
    const doc = makeWindow(NOW, 0, 0);
    expect(viaWire(doc)).toEqual(doc);
    const big = makeWindow(NOW, 2, 1);
    big.routes[0]!.reqBytes = 2 ** 53 - 1;
    expect((viaWire(big) as WindowDocument).routes[0]!.reqBytes).toBe(2 ** 53 - 1);
  });

  it('reads an unspecified role as a value the contract refuses, naming the field', () => {
    const msg = windowToProto(makeWindow(NOW));
    msg.source!.role = windowPb.WindowRole.WINDOW_ROLE_UNSPECIFIED;
    const c = checkWindow(msg, 'window 0', { now: NOW, maxFutureMs: 60_000, maxAgeMs: 86_400_000 });
    expect(c.ok).toBe(false);
    if (!c.ok) {
      expect(c.code).toBe('ST_ERR_INPUT_FORMAT');
      expect(c.reason).toMatch(/source\.role/);
    }
  });
});

describe('checkWindow', () => {
  const limits = { now: NOW, maxFutureMs: 60_000, maxAgeMs: 86_400_000 };

  it('accepts a valid window and returns the document', () => {
    const doc = makeWindow(NOW - 1000);
    const c = checkWindow(windowToProto(doc), 'w', limits);
    expect(c).toEqual({ ok: true, window: doc });
  });

  it('rejects a bad HDR payload naming the route', () => {
    const msg = windowToProto(makeWindow(NOW));
    msg.routes[1]!.histogram = 'bm90IGFuIGhkciBoaXN0b2dyYW0=';
    const c = checkWindow(msg, 'window 2 of batch b', limits);
    expect(c).toMatchObject({ ok: false, code: 'ST_ERR_HISTOGRAM_DECODE' });
    if (!c.ok) expect(c.reason).toMatch(/window 2 of batch b: route POST \/r1\/:id/);
  });

  it('rejects a window from the future beyond the skew and one from the far past', () => {
    const future = checkWindow(windowToProto(makeWindow(NOW + 120_000)), 'w', limits);
    expect(future).toMatchObject({ ok: false, code: 'ST_ERR_CONTROL_WINDOW_TIME' });
    if (!future.ok) expect(future.reason).toMatch(/2 min|120 s.*future/);
    const skewed = checkWindow(windowToProto(makeWindow(NOW + 30_000)), 'w', limits);
    expect(skewed.ok).toBe(true);
    const old = checkWindow(windowToProto(makeWindow(NOW - 2 * 86_400_000)), 'w', limits);
    expect(old).toMatchObject({ ok: false, code: 'ST_ERR_CONTROL_WINDOW_TIME' });
    if (!old.ok) expect(old.reason).toMatch(/48 h ago/);
  });

  it('rejects a wrong kind, a newer version and a missing source', () => {
    const msg = windowToProto(makeWindow(NOW));
    expect(checkWindow({ ...msg, kind: 'shadowtwin.other' }, 'w', limits)).toMatchObject({ ok: false, code: 'ST_ERR_INPUT_FORMAT' });
    expect(checkWindow({ ...msg, version: 2 }, 'w', limits)).toMatchObject({ ok: false, code: 'ST_ERR_CONTRACT_VERSION' });
    const noSource = checkWindow({ ...msg, source: undefined }, 'w', limits);
    expect(noSource).toMatchObject({ ok: false, code: 'ST_ERR_INPUT_FORMAT' });
    if (!noSource.ok) expect(noSource.reason).toMatch(/source\.service/);
  });
});
