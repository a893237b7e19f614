import { describe, expect, it } from 'vitest';
import { ModelBuilder, rateSeries, renderModel, sparkline, summarizeModel } from '../../../src/profiler/index.js';

const T0 = Date.UTC(2026, 10, 2);

describe('profile show rendering', () => {
  it('keeps the route table aligned whatever the lengths of routes, methods and sizes', () => {
    const b = new ModelBuilder();
    const longRoute = '/presentations/logstash-scale11x/images/:file/thumbnails/:size/very/deep/path';
    const rows: Array<[string, string, number]> = [
      [longRoute, 'GET', 1_692_141_169_406],
      ['/a', 'PROPFIND', 5],
      ['/b', 'GET', 169_214],
      ['/c', 'VERYLONGMETHOD', 0],
    ];
    rows.forEach(([route, method, bytes], k) => {
      for (let i = 0; i < 10 + k; i++) b.add({ ts: T0 + i * 1000, method, target: route.replace(/:\w+/g, 'x'), route: route.includes(':') ? route : `${route}/:id`, status: 200, resBytes: bytes });
    });
    const out = renderModel(b.build()).split('\n');
    const h = out.findIndex((l) => l.startsWith('route '));
    const header = out[h]!;
    const table = out.slice(h + 1, h + 1 + rows.length);
    const col = (name: string): number => header.indexOf(name);
    for (const line of table) {
      // Left columns start under their headers, right columns end under theirs; cells are separated by spaces.
      expect(line.slice(col('method') - 2, col('method'))).toBe('  ');
      expect(line[col('method')]).not.toBe(' ');
      expect(line.slice(col('weight') - 2, col('weight'))).toBe('  ');
      for (const name of ['weight', 'requests', 'resBytes p50']) {
        const end = col(name) + name.length;
        expect(line[end - 1], `${name} in ${line}`).not.toBe(' ');
        expect(line[end], `${name} in ${line}`).toBe(' ');
      }
      expect(line.length).toBe(header.length);
    }
    const long = table.find((l) => l.startsWith('/presentations'))!;
    expect(long.startsWith('/presentations/logstash')).toBe(true);
    expect(long).toContain('/very/deep/path  GET');
    // HDR keeps 3 significant digits: 1.692e12 bytes, all 13 digits shown, apart from the next column.
    expect(long).toMatch(/  1692\d{9}  1692\d{9}$/);
    expect(table.join('\n')).toContain('VERYLONGM…');
  });

  it('scales the hour-of-day sparkline from its minimum to its maximum (hourly counts 345..498 are not flat)', () => {
    const b = new ModelBuilder();
    const perHour = Array.from({ length: 24 }, (_, h) => 345 + Math.round((153 * (1 + Math.sin((h / 24) * 2 * Math.PI))) / 2));
    perHour.forEach((n, h) => { for (let i = 0; i < n; i++) b.add({ ts: T0 + h * 3_600_000 + i * 1000, method: 'GET', target: '/', status: 200, resBytes: 1 }); });
    expect(Math.min(...perHour)).toBe(345);
    expect(Math.max(...perHour)).toBe(498);
    const line = renderModel(b.build()).split('\n').find((l) => l.startsWith('hour of day'))!;
    const bars = /: (\S{24})/.exec(line)![1]!;
    expect(bars[perHour.indexOf(345)]).toBe('▁');
    expect(bars[perHour.indexOf(498)]).toBe('█');
    expect(new Set(bars).size).toBeGreaterThanOrEqual(6);
    expect(line).toContain('(3.4%–4.9% of requests an hour)');
    expect(sparkline([345, 400, 498])).toBe('▁▃█');
    expect(sparkline([5, 5, 5])).toBe('▄▄▄');
  });

  it('renders a model whose records span decades without expanding its window; a dense series of it is refused, not allocated', () => {
    const b = new ModelBuilder({ stepMs: 1000 });
    for (const from of [Date.UTC(2001, 0, 1), T0]) for (let i = 0; i < 100; i++) b.add({ ts: from + i * 1000, method: 'GET', target: '/', status: 200, resBytes: 1 });
    const m = b.build();
    expect(JSON.stringify(m.rate).length).toBeLessThan(2000);
    const line = renderModel(m).split('\n').find((l) => l.startsWith('rate per 1s'))!;
    expect(line).toMatch(/^rate per 1s: █▁+█ {2}\(0–1 requests a step\)$/);
    expect(() => rateSeries(m.rate)).toThrow(expect.objectContaining({ code: 'ST_ERR_INPUT_FORMAT', message: expect.stringMatching(/spans 815,270,500 steps of 1s \(2001-01-01 to 2026-11-02\).*larger --step/) }));
    expect(() => summarizeModel(m)).toThrow(/larger --step/);
  });
});
