import { describe, expect, it } from 'vitest';
import { encodeRequestTarget, renderRequest, requestProblem, UnsafeRequestError } from '../../../src/common/index.js';

describe('request validity (what may go on the wire)', () => {
  it('refuses methods, targets and headers that would split the request head', () => {
    expect(requestProblem('GET', '/a?b=1')).toBeUndefined();
    expect(requestProblem('PURGE', '/a', { 'x-a': 'b c\tok' })).toBeUndefined();
    expect(requestProblem('GET /admin HTTP/1.1\r\nX: ', '/')).toBe('bad_method');
    expect(requestProblem('', '/')).toBe('bad_method');
    expect(requestProblem('GET', '/p\r\nX-Injected: yes')).toBe('bad_target');
    expect(requestProblem('GET', '/a b')).toBe('bad_target');
    expect(requestProblem('GET', '/a\u0000')).toBe('bad_target');
    expect(requestProblem('GET', '/\u2028')).toBe('bad_target');
    expect(requestProblem('GET', '')).toBe('bad_target');
    expect(requestProblem('GET', '/', { 'x-a': 'v\r\nX-Evil: 1' })).toBe('bad_header');
    expect(requestProblem('GET', '/', { 'x a': 'v' })).toBe('bad_header');
    expect(requestProblem('GET', '/', ['x-a', 'v\n'])).toBe('bad_header');
  });

  it('renderRequest throws rather than render an unsafe head', () => {
    expect(() => renderRequest('GET', '/p\r\nX-Injected: yes', 'h', {}, null)).toThrow(UnsafeRequestError);
    expect(() => renderRequest('GET', '/', 'h', { 'x-a': 'v\r\nX: 1' }, null)).toThrow(UnsafeRequestError);
    expect(renderRequest('GET', '/ok', 'h', {}, null).toString('latin1')).toBe('GET /ok HTTP/1.1\r\nhost: h\r\n\r\n');
  });

  it('encodeRequestTarget percent-encodes what a target may not carry, as UTF-8', () => {
    expect(encodeRequestTarget('/ok?a=1')).toBe('/ok?a=1');
    expect(encodeRequestTarget('/r\r\nX: 1')).toBe('/r%0D%0AX:%201');
    expect(encodeRequestTarget('/café')).toBe('/caf%C3%A9');
    expect(requestProblem('GET', encodeRequestTarget('/\u0000 \u007f\u2028'))).toBeUndefined();
  });
});
