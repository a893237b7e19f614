import { RouteStatsTable, windowFromTable, type WindowDocument, type WindowSource } from '../../src/common/index.js';

/** A real window document (route stats recorded, HDR encoded) ending at `end`: `routes` routes, `seq` varying its counts. */
export function makeWindow(end: number, seq = 0, routes = 3, source: WindowSource = { service: 'shop', pod: 'shop-1', role: 'primary' }): WindowDocument {
  const t = new RouteStatsTable();
  for (let r = 0; r < routes; r++) {
    const s = t.get(`/r${r}/:id`, r % 2 === 0 ? 'GET' : 'POST');
    for (let i = 0; i <= seq % 7 + r; i++) s.record(i % 5 === 0 ? 503 : 200, 1 + ((i * 37 + seq) % 90), 100 + i, 2000 + r, false);
    if (r === 0) s.recordCode('ST_ERR_PROXY_UPSTREAM_RESET');
  }
  return windowFromTable(source, end - 5000, end, t);
}
