import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/common/index.js';
import { ModelBuilder, parseAccessLogLine } from '../../../src/profiler/index.js';

const t0 = Date.UTC(2026, 11, 1);

describe('model builder: unusual targets', () => {
  it('keeps `OPTIONS *` as route `*`, apart from the `/*` wildcard and from paths', () => {
    const b = new ModelBuilder({ random: seededRandom(1) });
    for (let i = 0; i < 20; i++) b.add(parseAccessLogLine(`10.0.0.${i} - - [01/Dec/2026:00:00:${String(i).padStart(2, '0')} +0000] "OPTIONS * HTTP/1.0" 200 0 "-" "Apache (internal dummy connection)"`));
    for (let i = 0; i < 20; i++) b.add({ ts: t0 + i, method: 'GET', target: '/', status: 200, resBytes: 10 });
    const m = b.build();
    const star = m.routes.find((r) => r.method === 'OPTIONS');
    expect(star).toMatchObject({ route: '*', requests: 20 });
    expect(star!.paths.every((p) => p === '*')).toBe(true);
  });
  it('counts a 10 MB path in its route but never keeps it (nor any path over 2 KiB) in the path pool', () => {
    const b = new ModelBuilder({ random: seededRandom(1) });
    const huge = '/' + 'a1'.repeat(5_000_000);
    b.add({ ts: t0, method: 'GET', target: huge, status: 404, resBytes: 10 });
    b.add({ ts: t0 + 1, method: 'GET', target: '/x' + 'b2'.repeat(1500), status: 404, resBytes: 10 });
    for (let i = 0; i < 5; i++) b.add({ ts: t0 + 2 + i, method: 'GET', target: `/${'c3'.repeat(20)}${i}`, status: 404, resBytes: 10 });
    const m = b.build();
    expect(m.routes.reduce((a, r) => a + r.requests, 0)).toBe(7);
    const pooled = m.routes.flatMap((r) => r.paths);
    expect(pooled.length).toBeGreaterThan(0);
    expect(Math.max(...pooled.map((p) => p.length))).toBeLessThanOrEqual(2048);
    expect(m.provenance.longPaths).toBe(2);
    expect(JSON.stringify(m).length).toBeLessThan(100_000);
  });
});
