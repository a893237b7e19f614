import { describe, expect, it } from 'vitest';
import { renderSummary } from '../../../src/generator/index.js';
import { ellipsize, textTable } from '../../../src/common/index.js';
import type { RunReport } from '../../../src/generator/index.js';

describe('text tables', () => {
  it('sizes columns to their cells, cuts only over the maximum, keeps two spaces between cells', () => {
    const lines = textTable([{ header: 'route', max: 12, cut: 'middle' }, { header: 'n', align: 'right' }, { header: 'note' }], [
      ['/a', '1', 'x'], ['/presentations/logstash-scale11x/images', '1692141169406', 'é😀'],
    ]);
    expect(lines).toEqual([
      'route                     n  note',
      '/a                        1  x',
      '/prese…mages  1692141169406  é😀',
    ]);
    // Control characters from hostile logs neither break lines nor reach the terminal.
    expect(textTable([{ header: 'route' }, { header: 'n' }], [['/a\nb\u001b[31m', '1']])).toEqual(['route          n', '/a\\nb\\x1b[31m  1']);
    expect(ellipsize('abcdef', 4)).toBe('abc…');
    expect(ellipsize('abcdef', 4, 'middle')).toBe('ab…f');
    expect(ellipsize('abc', 4)).toBe('abc');
  });

  it('the run summary\'s route table stays aligned with long routes and methods', () => {
    const route = (name: string, method: string, requests: number) => ({ route: name, method, requests, errors: 0, latencyMs: { p50: 1.5, p99: 12345.25 } });
    const report = {
      meta: { target: 'http://t', executor: 'constant-rate', source: 'model', seed: 1 },
      summary: { requests: 3, intended: 3, errors: 0, dropped: 0, achievedRate: 1, intendedRate: 1, latencyMs: { p50: 1, p90: 1, p99: 1, p999: 1, max: 1 }, lagMs: { p50: 0, p99: 0, max: 0 }, outcomes: {} },
      routes: [route('/presentations/logstash-scale11x/images/:file/thumbnails/:size', 'GET', 1_692_141_169), route('/a', 'PROPFIND', 2)],
      faults: {}, thresholds: [],
    } as unknown as RunReport;
    const lines = renderSummary(report).split('\n');
    const h = lines.findIndex((l) => l.startsWith('route'));
    const [header, a, b] = lines.slice(h, h + 3) as [string, string, string];
    for (const row of [a, b]) {
      expect(row.slice(header.indexOf('method') - 2, header.indexOf('method'))).toBe('  ');
      expect(row.length).toBe(header.length);
    }
    expect(a).toContain('…');
    expect(a).toMatch(/\/:size {2}GET {7}1692141169 {2}/);
  });
});
