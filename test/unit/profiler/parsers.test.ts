import { describe, expect, it } from 'vitest';
import { GOR_SEPARATOR, LineError, parseAccessLogLine, parseGorPayload, parseNginxJsonLine, RouteInference } from '../../../src/profiler/index.js';

describe('access log parsing', () => {
  it('parses Combined Log Format with time zone, escaped quotes and IPv6', () => {
    const o = parseAccessLogLine('2001:db8::1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?a=1 HTTP/1.0" 200 2326 "http://x/\\"q\\"" "Mozilla/4.08 [en] (Win98; I ;Nav)"');
    expect(o).toEqual({ ts: Date.UTC(2000, 9, 10, 20, 55, 36), method: 'GET', target: '/apache_pb.gif?a=1', status: 200, resBytes: 2326, client: '2001:db8::1', userAgent: 'Mozilla/4.08 [en] (Win98; I ;Nav)' });
  });
  it('parses Common Log Format and "-" sizes', () => {
    expect(parseAccessLogLine('127.0.0.1 - - [20/Nov/2026:11:00:00 +0100] "GET /x HTTP/1.1" 304 -')).toMatchObject({ status: 304, resBytes: 0, ts: Date.UTC(2026, 10, 20, 10, 0, 0) });
  });
  it.each([
    ['garbage', 'no_fields'],
    ['garbage line here', 'no_time'],
    ['1.2.3.4 - - [32/Foo/2026:99:99:99 +0100] "GET / HTTP/1.1" 200 5', 'bad_time'],
    ['1.2.3.4 - - [20/Nov/2026:11:00:00 +0100] "\\x16\\x03" 400 0', 'bad_request_line'],
    ['1.2.3.4 - - [20/Nov/2026:11:00:00 +0100] "GET / HTTP/1.1" 2000 5', 'bad_status'],
    ['1.2.3.4 - - [20/Nov/2026:11:00:00 +0100] "GET / HTTP/1.1', 'unterminated_quote'],
  ])('rejects %s with reason %s', (line, reason) => {
    expect(() => parseAccessLogLine(line)).toThrow(LineError);
    try { parseAccessLogLine(line); } catch (e) { expect((e as LineError).reason).toBe(reason); }
  });
  it('parses nginx JSON with a field map', () => {
    const o = parseNginxJsonLine('{"time_iso8601":"2026-11-20T10:00:00+00:00","request_method":"POST","request_uri":"/a?b=1","status":"201","body_bytes_sent":"12","request_length":"340","request_time":"0.012","remote_addr":"10.0.0.1","http_user_agent":"curl/8"}');
    expect(o).toMatchObject({ ts: Date.UTC(2026, 10, 20, 10), method: 'POST', target: '/a?b=1', status: 201, resBytes: 12, reqBytes: 340, durationMs: 12, client: '10.0.0.1', userAgent: 'curl/8' });
    const custom = parseNginxJsonLine('{"t":1795404000,"req":"GET /z HTTP/1.1","s":200,"b":5}', { time: 't', method: 'm', uri: 'u', status: 's', bytes: 'b', request: 'req' });
    expect(custom).toMatchObject({ method: 'GET', target: '/z', ts: 1795404000000 });
  });
  it('parses GoReplay request payloads and skips responses', () => {
    const req = `1 abc 1700000000123456789 0\nPOST /orders?x=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: okhttp/4\r\nContent-Type: application/json\r\n\r\n{"a":1}`;
    expect(parseGorPayload(req)).toMatchObject({ ts: 1700000000123, method: 'POST', target: '/orders?x=1', reqBytes: 7, userAgent: 'okhttp/4', contentType: 'application/json' });
    expect(parseGorPayload('2 abc 1700000000123456789 100\nHTTP/1.1 200 OK\r\n\r\n')).toBeUndefined();
    expect(GOR_SEPARATOR).toBe('\n🐵🙈🙉\n');
  });
});

describe('route inference', () => {
  it('names parameters by rules, collapses high-cardinality siblings after their parent, groups assets', () => {
    const ri = new RouteInference({ maxSiblings: 10 });
    const early = ri.observe('/users/alice/profile');
    for (let i = 0; i < 30; i++) ri.observe(`/users/u${'abcdefghij'[i % 10]}${i}x/profile`);
    expect(ri.observe('/users/zed/profile')).toBe('/users/:user/profile');
    expect(ri.remap(early)).toBe('/users/:user/profile');
    expect(ri.observe('/orders/123/items')).toBe('/orders/:id/items');
    expect(ri.observe('/static/img/logo-big.png')).toBe('/static/img/:file.png');
    expect(ri.observe('/categories/shoes')).toBe('/categories/shoes');
    expect(ri.observe('/api/v1/health')).toBe('/api/v1/health');
  });
  it('lets a route table take precedence', () => {
    const ri = new RouteInference({ routes: ['/repos/{owner}/{repo}'] });
    expect(ri.observe('/repos/acme/widgets')).toBe('/repos/:owner/:repo');
  });
});

describe('request methods and targets (RFC 9110)', () => {
  const line = (req: string): string => `10.0.0.1 - - [20/Nov/2026:11:00:00 +0000] "${req}" 200 5 "-" "curl/8"`;
  it.each([
    ['GET http://evil.example.com/api/v1/users/1 HTTP/1.1', 'GET', '/api/v1/users/1'],
    ['GET https://h.example:8443/a/b?x=1&y=2 HTTP/1.1', 'GET', '/a/b?x=1&y=2'],
    ['GET http://h.example HTTP/1.1', 'GET', '/'],
    ['GET http://h.example?q=1 HTTP/1.1', 'GET', '/?q=1'],
    ['OPTIONS * HTTP/1.1', 'OPTIONS', '*'],
    ['get /lower HTTP/1.1', 'get', '/lower'],
    ['M-SEARCH * HTTP/1.1', 'M-SEARCH', '*'],
    ['PROPFIND /dav/ HTTP/1.1', 'PROPFIND', '/dav/'],
    ['GET /no-protocol', 'GET', '/no-protocol'],
  ])('access log keeps %s', (req, method, target) => {
    expect(parseAccessLogLine(line(req))).toMatchObject({ method, target });
  });
  it.each([
    ['GET /a b HTTP/1.1', 'bad_target'],
    ['GET /a\tb HTTP/1.1', 'bad_target'],
    ['GET /a\u0000b HTTP/1.1', 'bad_target'],
    ['CONNECT example.com:443 HTTP/1.1', 'bad_target'],
    ['GET  HTTP/1.1', 'bad_target'],
    ['G(T / HTTP/1.1', 'bad_request_line'],
    [`${'X'.repeat(100)} / HTTP/1.1`, 'bad_request_line'],
  ])('access log skips %j as %s', (req, reason) => {
    try { parseAccessLogLine(line(req)); expect.unreachable(); } catch (e) { expect((e as LineError).reason).toBe(reason); }
  });
  const nj = (method: string, uri: string): string => JSON.stringify({ time_iso8601: '2026-11-20T10:00:00+00:00', request_method: method, request_uri: uri, status: 200, body_bytes_sent: 1 });
  it('nginx JSON: absolute-form, `*`, extension methods kept; control characters are bad_target', () => {
    expect(parseNginxJsonLine(nj('GET', 'http://evil.example.com/api/v1/users/1?x=1'))).toMatchObject({ method: 'GET', target: '/api/v1/users/1?x=1' });
    expect(parseNginxJsonLine(nj('OPTIONS', '*'))).toMatchObject({ target: '*' });
    expect(parseNginxJsonLine(nj('M-SEARCH', '*'))).toMatchObject({ method: 'M-SEARCH' });
    for (const uri of ['/r\r\nX-Smuggled: 1', '/a\u0000', '/a b', '/a\u007f']) {
      try { parseNginxJsonLine(nj('GET', uri)); expect.unreachable(); } catch (e) { expect((e as LineError).reason).toBe('bad_target'); }
    }
    try { parseNginxJsonLine(nj('GET\r\nX: 1', '/')); expect.unreachable(); } catch (e) { expect((e as LineError).reason).toBe('bad_method'); }
  });
  it('GoReplay: absolute-form and extension methods kept; a control character is bad_target', () => {
    const gor = (reqLine: string): string => `1 abc 1700000000123456789 0\n${reqLine}\r\nHost: a\r\n\r\n`;
    expect(parseGorPayload(gor('get http://h.example/x?y=1 HTTP/1.1'))).toMatchObject({ method: 'get', target: '/x?y=1' });
    expect(parseGorPayload(gor('M-SEARCH * HTTP/1.1'))).toMatchObject({ method: 'M-SEARCH', target: '*' });
    try { parseGorPayload(gor('GET /a\u0001b HTTP/1.1')); expect.unreachable(); } catch (e) { expect((e as LineError).reason).toBe('bad_target'); }
  });
});

describe('route inference: empty segments', () => {
  it('`/` and a trailing `/` are never folded into a collapsed parameter', () => {
    const ri = new RouteInference({ maxSiblings: 5 });
    for (let i = 0; i < 5; i++) ri.observe('/gallery/a/');
    for (let i = 0; i < 20; i++) ri.observe(`/p${'abcdefghijklmnopqrst'[i]}x`);
    expect(ri.observe('/')).toBe('/');
    for (let i = 0; i < 20; i++) ri.observe(`/gallery/a/${'abcdefghijklmnopqrst'[i]}y`);
    expect(ri.observe('/gallery/a/')).toBe('/gallery/a/');
    expect(ri.remap('/gallery/a/')).toBe('/gallery/a/');
  });
});
