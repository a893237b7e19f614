import { describe, expect, it } from 'vitest';
import { queryKeys, RouteNormalizer } from '../../../src/common/index.js';

describe('route normalizer', () => {
  const n = new RouteNormalizer();
  it.each([
    ['/users/42', '/users/:id'],
    ['/users/42/orders?limit=5', '/users/:id/orders'],
    ['/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301', '/orders/:uuid'],
    ['/blobs/deadbeef00ff', '/blobs/:hex'],
    ['/reports/2024-01-31', '/reports/:date'],
    ['/u/alice@example.com', '/u/:email'],
    ['/t/eyJhbGciOiJIUzI1NiJ9abc123XYZ', '/t/:token'],
    ['/products', '/products'],
    ['/', '/'],
    ['/static/app.js', '/static/app.js'],
    ['/api/v2/items', '/api/v2/items'],
  ])('%s → %s', (path, route) => {
    expect(n.normalize(path)).toBe(route);
  });

  it('a route table takes precedence, most specific template first', () => {
    const t = new RouteNormalizer({ routes: ['/repos/:owner/:repo', '/repos/{owner}/settings', '/files/:name'] });
    expect(t.normalize('/repos/acme/widgets')).toBe('/repos/:owner/:repo');
    expect(t.normalize('/repos/acme/settings')).toBe('/repos/:owner/settings');
    expect(t.normalize('/files/report.pdf')).toBe('/files/:name');
    expect(t.normalize('/other/7')).toBe('/other/:id');
  });

  it('keeps query keys, never values', () => {
    expect(queryKeys('/search?q=secret&page=2&q=again&flag')).toEqual(['flag', 'page', 'q']);
    expect(queryKeys('/plain')).toEqual([]);
  });
});
