import { describe, expect, it } from 'vitest';
import { createRedactor, REDACTED, userAgentFamily, hashFraction, parseDuration, parseHostPort, isLoopback } from '../../../src/common/index.js';

describe('redaction', () => {
  const r = createRedactor(['x-session-token'], ['password', 'cardNumber']);
  it('redacts default and configured headers', () => {
    const out = r.headers({ authorization: 'Bearer s3cret', cookie: 'sid=abc', 'X-Session-Token': 'tok', 'x-api-key': 'k', accept: '*/*' });
    expect(out).toEqual({ authorization: REDACTED, cookie: REDACTED, 'X-Session-Token': REDACTED, 'x-api-key': REDACTED, accept: '*/*' });
  });
  it('redacts JSON fields at any depth and form fields', () => {
    const json = r.body(Buffer.from(JSON.stringify({ user: 'a', password: 'p', pay: [{ cardNumber: '4111' }] })), 'application/json');
    expect(json).not.toMatch(/4111|"p"/);
    expect(JSON.parse(json)).toEqual({ user: 'a', password: REDACTED, pay: [{ cardNumber: REDACTED }] });
    expect(r.body(Buffer.from('user=a&password=hunter2'), 'application/x-www-form-urlencoded')).toBe('user=a&password=%5BREDACTED%5D');
  });
  it('never stores a JSON body it cannot parse (it might hold a secret)', () => {
    expect(r.body(Buffer.from('{"password":"hunt'), 'application/json')).not.toMatch(/hunt/);
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
