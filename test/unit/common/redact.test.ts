import { describe, expect, it } from 'vitest';
import { createRedactor, isSensitiveName, REDACTED, userAgentFamily, hashFraction, parseDuration, parseHostPort, isLoopback } from '../../../src/common/index.js';

describe('redaction', () => {
  const r = createRedactor({ headers: ['x-custom-thing'], bodyFields: ['cardNumber', 'dob'] });
  it('redacts default, configured and pattern-matched headers, case-insensitively', () => {
    const out = r.headers({
      authorization: 'Bearer s3cret', cookie: 'sid=abc', 'X-Custom-Thing': 'tok', 'x-api-key': 'k', 'X-Auth-Token': 't', 'x-session-id': 's',
      'x-csrf-token': 'c', 'x-forwarded-for': 'Bearer abcdefgh.12345', accept: '*/*', 'content-type': 'application/json', 'x-request-id': 'r1',
    });
    expect(out).toEqual({
      authorization: REDACTED, cookie: REDACTED, 'X-Custom-Thing': REDACTED, 'x-api-key': REDACTED, 'X-Auth-Token': REDACTED, 'x-session-id': REDACTED,
      'x-csrf-token': REDACTED, 'x-forwarded-for': REDACTED, accept: '*/*', 'content-type': 'application/json', 'x-request-id': 'r1',
    });
  });
  it('sensitive names: substrings and whole words, not look-alikes', () => {
    for (const n of ['password', 'newPassword', 'PASSWD', 'client_secret', 'access_token', 'refreshToken', 'api_key', 'apiKey', 'accessKey', 'X-Auth', 'auth', 'sessionId',
      'session_id', 'Cookie', 'cvv', 'CVC', 'card_number', 'pin', 'otp', 'private_key', 'signature', 'credentials']) expect(isSensitiveName(n), n).toBe(true);
    for (const n of ['user', 'monkey', 'keyword', 'keys', 'email', 'quantity', 'sort', 'page', 'content-type', 'accept', 'sidebar', 'spinner', 'pane']) expect(isSensitiveName(n), n).toBe(false);
  });
  it('redacts JSON fields at any depth (built-in and configured), credential-looking values, and form fields', () => {
    const json = r.body(Buffer.from(JSON.stringify({ user: 'a', password: 'p1', Token: 't2', pay: [{ cardNumber: '4111', cvv: '999' }], meta: { note: 'Bearer abc.def.ghi', plan: 'Basic plan', dob: '1970' } })), 'application/json');
    expect(JSON.parse(json.text!)).toEqual({ user: 'a', password: REDACTED, Token: REDACTED, pay: [{ cardNumber: REDACTED, cvv: REDACTED }], meta: { note: REDACTED, plan: 'Basic plan', dob: REDACTED } });
    expect(r.body(Buffer.from('user=a&client_secret=hunter2&grant_type=client_credentials'), 'application/x-www-form-urlencoded').text)
      .toBe('user=a&client_secret=%5BREDACTED%5D&grant_type=client_credentials');
    expect(r.body(Buffer.from('{"a":1}'), 'application/vnd.api+json').text).toBe('{"a":1}');
  });
  it('a body it cannot redact field by field is a marker (size, keyed hash), never its bytes', () => {
    const cases: Array<[string, string | undefined, boolean, string]> = [
      ['{"password":"hunt', 'application/json', false, 'unparsed'],
      ['{"password":"hunter2"}', 'application/json', true, 'truncated'],
      ['--b\r\nContent-Disposition: form-data; name="password"\r\n\r\nhunter2\r\n--b--', 'multipart/form-data', false, 'not_allowed'],
      ['password=hunter2', 'text/plain', false, 'not_allowed'],
      ['password=hunter2', undefined, false, 'not_allowed'],
    ];
    for (const [body, ct, truncated, reason] of cases) {
      const out = r.body(Buffer.from(body), ct, truncated);
      expect(out.text, `${ct}`).toBeUndefined();
      expect(out.omitted).toEqual({ reason, contentType: ct ?? 'none', bytes: Buffer.byteLength(body), hash: expect.stringMatching(/^[0-9a-f]{16}$/) });
    }
  });
  it('media types explicitly allowed are stored verbatim; defaults can be turned off on purpose', () => {
    const raw = createRedactor({ rawBodyTypes: ['text/plain', 'image/*'] });
    expect(raw.body(Buffer.from('hello'), 'text/plain').text).toBe('hello');
    expect(raw.body(Buffer.from('png'), 'image/png').text).toBe('png');
    expect(raw.body(Buffer.from('x'), 'text/csv').omitted?.reason).toBe('not_allowed');
    const bare = createRedactor({ defaults: false, bodyFields: ['password'] });
    expect(JSON.parse(bare.body(Buffer.from('{"password":"p","token":"t"}'), 'application/json').text!)).toEqual({ password: REDACTED, token: 't' });
    expect(bare.headers({ authorization: 'a', 'x-auth-token': 't' })).toEqual({ authorization: 'a', 'x-auth-token': 't' });
  });
});

describe('small parsers', () => {
  it('user-agent families', () => {
    expect(userAgentFamily('Mozilla/5.0 (X11) AppleWebKit/537.36 Chrome/120.0 Safari/537.36')).toBe('chrome');
    expect(userAgentFamily('Mozilla/5.0 (compatible; Googlebot/2.1)')).toBe('bot');
    expect(userAgentFamily('curl/8.5.0')).toBe('curl');
    expect(userAgentFamily('okhttp/4.12')).toBe('okhttp');
    expect(userAgentFamily(undefined)).toBe('none');
  });
  it('consistent hash fraction is stable and spread', () => {
    expect(hashFraction('user-1')).toBe(hashFraction('user-1'));
    const below = Array.from({ length: 10_000 }, (_, i) => hashFraction(`user-${i}`)).filter((f) => f < 0.3).length;
    expect(below).toBeGreaterThan(2700);
    expect(below).toBeLessThan(3300);
  });
  it('durations and addresses', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseHostPort('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(parseHostPort(':9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(parseHostPort('host:99999')).toBeUndefined();
    expect(isLoopback('127.0.0.2')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
  });
});
