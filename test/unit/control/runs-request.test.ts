import { describe, expect, it } from 'vitest';
import { ShadowtwinError } from '../../../src/common/index.js';
import { parseRunStart } from '../../../src/control/runs/run-request.js';
import { pathForRoute, synthesizedRun } from '../../../src/control/runs/synthesized-scenario.js';
import { parseScenario } from '../../../src/generator/index.js';
import { eventLine, runsLines, statusLines } from '../../../src/control/client/ctl-render.js';

function codeOf(fn: () => unknown): string | undefined {
  try { fn(); } catch (err) { return err instanceof ShadowtwinError ? err.code : 'not a ShadowtwinError'; }
  return undefined;
}

describe('run start requests', () => {
  it('takes exactly one of scenario, rate, forecastMultiple, with the fix in the message', () => {
    expect(parseRunStart({ service: 'shop', rate: 50 })).toEqual({ service: 'shop', rate: 50 });
    expect(parseRunStart({ service: 'shop', rate: '50', duration: '2m', target: 'http://x:1' })).toEqual({ service: 'shop', rate: 50, durationMs: 120_000, target: 'http://x:1' });
    expect(parseRunStart({ service: 'shop', forecastMultiple: 1.5 })).toEqual({ service: 'shop', forecastMultiple: 1.5 });
    expect(parseRunStart({ scenario: 'target: http://x:1\nduration: 1s\n' })).toEqual({ scenario: { target: 'http://x:1', duration: '1s' } });
    expect(parseRunStart({ scenario: { target: 'http://x:1' }, service: 'shop' })).toEqual({ scenario: { target: 'http://x:1' }, service: 'shop' });
    for (const bad of [null, [], 'x', {}, { service: 'shop' }, { rate: 5 }, { service: 'shop', rate: 0 }, { service: 'shop', rate: 'fast' }, { service: 'shop', rate: 5, forecastMultiple: 2 },
      { service: 'shop', rate: 5, extra: true }, { service: 'shop', rate: 5, duration: 'soon' }, { scenario: {}, target: 'http://x:1' }, { service: '', rate: 5 }]) {
      expect(codeOf(() => parseRunStart(bad)), JSON.stringify(bad)).toBe('ST_ERR_CONTROL_RUN_INVALID');
    }
    expect(codeOf(() => parseRunStart({ scenario: 'a: [' }))).toBe('ST_ERR_SCENARIO_INVALID');
    expect(codeOf(() => parseRunStart({ scenario: 42 }))).toBe('ST_ERR_SCENARIO_INVALID');
  });
});

describe('runs synthesized from the live mix', () => {
  it('turns route templates into paths', () => {
    expect(pathForRoute('/products/:id')).toBe('/products/1');
    expect(pathForRoute('/users/{id}/orders/{order}')).toBe('/users/1/orders/1');
    expect(pathForRoute('/static/*')).toBe('/static/1');
    expect(pathForRoute('/search')).toBe('/search');
  });

  it('keeps the mix to 1/1000 in records the capture-mix source samples, and is a valid scenario', () => {
    const s = synthesizedRun({ service: 'shop', target: 'http://127.0.0.1:9', rate: 25, durationMs: 5_000, mix: { 'GET /products/:id': 0.6667, 'POST /cart': 0.3333, 'GET /never': 0 }, primary: ['http://127.0.0.1:8'] });
    expect(s.records).toHaveLength(1_000);
    const count = (p: string, m: string): number => s.records.filter((r) => r.path === p && r.method === m).length;
    expect(count('/products/1', 'GET')).toBe(667);
    expect(count('/cart', 'POST')).toBe(333);
    const sc = parseScenario(s.scenario, { records: s.records });
    expect(sc.load).toMatchObject({ executor: 'constant-rate', rate: 25 });
    expect(sc.source.kind).toBe('capture-mix');
    expect(sc.duration).toBe(5_000);
    expect(sc.primary).toEqual(['http://127.0.0.1:8']);
  });

  it('refuses an empty mix with what to do', () => {
    expect(codeOf(() => synthesizedRun({ service: 'shop', target: 'http://x:1', rate: 5, durationMs: 1_000, mix: {}, primary: [] }))).toBe('ST_ERR_CONTROL_RUN_INVALID');
  });
});

describe('ctl renderers', () => {
  it('status: services with rate vs forecast and scaling, then runs', () => {
    const lines = statusLines({
      at: Date.UTC(2026, 11, 2, 11, 0, 0),
      services: [{ name: 'shop', pods: [{ name: 'a', roles: ['primary'] }, { name: 'b', roles: ['primary'], gone: true }, { name: 'gen', roles: ['generator'] }], rate: { current: 45, forecast: { point: 50, lower: 40, upper: 60, level: 0.8 } }, scaling: { replicas: 3, lastDecision: { decision: 'applied', replicas: 3 } } }],
      runs: [{ id: 'r1', service: 'shop', target: 'http://10.0.0.7:8080', status: 'running', intendedRate: 20, achievedRate: 19.5, multiplier: 2, started: Date.UTC(2026, 11, 2, 10, 59, 0) }],
    });
    const text = lines.join('\n');
    expect(text).toMatch(/controller state at 2026-12-02 11:00:00Z: 1 service/);
    // Generator pods (load runs) are not the service's pods.
    expect(text).toMatch(/^shop\s+1\/2\s+45\.0\s+50\.0 \[40\.0–60\.0\] @80%\s+90%\s+3\s+applied → 3$/m);
    expect(text).toMatch(/^r1\s+shop\s+running\s+http:\/\/10\.0\.0\.7:8080\s+20\.0\s+19\.5\s+×2\.00\s+2026-12-02 10:59:00Z$/m);
    expect(runsLines([])).toEqual(['no load runs']);
  });

  it('an event is one line, control characters made visible', () => {
    expect(eventLine({ id: 7, at: Date.UTC(2026, 0, 1), kind: 'run-started', service: 'sh\nop', data: { runId: 'x' } })).toBe('#7 2026-01-01 00:00:00Z run-started sh\\nop {"runId":"x"}');
  });
});
