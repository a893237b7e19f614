import { describe, expect, it } from 'vitest';
import { createRedactor, redactPath, REDACTED, RouteNormalizer } from '../../../src/common/index.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLXBhcnQ';

describe('redaction of secrets that hide in values, nested text and paths', () => {
  const r = createRedactor({});
  const json = (o: unknown): unknown => JSON.parse(r.body(Buffer.from(JSON.stringify(o)), 'application/json').text!);

  it('opens JSON held in a JSON string, at depth', () => {
    const out = json({ data: '{"password":"X","user":"u"}', deeper: { list: ['{"inner":"{\\"token\\":\\"T\\"}"}'] } }) as { data: string; deeper: { list: string[] } };
    expect(JSON.parse(out.data)).toEqual({ password: REDACTED, user: 'u' });
    expect(JSON.parse(JSON.parse(out.deeper.list[0]!).inner)).toEqual({ token: REDACTED });
    expect(JSON.stringify(out)).not.toContain('"X"');
  });

  it('opens URL-encoded JSON in a form field', () => {
    const text = r.body(Buffer.from('data=%7B%22password%22%3A%22X%22%7D&n=1'), 'application/x-www-form-urlencoded').text!;
    const data = new URLSearchParams(text).get('data')!;
    expect(JSON.parse(data)).toEqual({ password: REDACTED });
    expect(new URLSearchParams(text).get('n')).toBe('1');
  });

  it('keeps scheme and host of a connection string, redacts its password, in any field', () => {
    const out = json({ db: 'postgres://u:PW@db/x', note: 'fallback redis://:hunter2@cache:6379/0 then', plain: 'https://example.com/a:b@c' }) as Record<string, string>;
    expect(out.db).toBe(`postgres://u:${REDACTED}@db/x`);
    expect(out.note).toBe(`fallback redis://:${REDACTED}@cache:6379/0 then`);
    expect(out.plain).toBe('https://example.com/a:b@c');
    const form = r.body(Buffer.from('dsn=mysql%3A%2F%2Froot%3As3cr3t%40db%3A3306%2Fapp'), 'application/x-www-form-urlencoded').text!;
    expect(new URLSearchParams(form).get('dsn')).toBe(`mysql://root:${REDACTED}@db:3306/app`);
  });

  it('redacts well-known key formats under innocent names (bodies and headers), not look-alikes', () => {
    const secrets = ['AKIAIOSFODNN7EXAMPLE', 'ASIAIOSFODNN7EXAMPLE', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_test_4eC39HqLyjWDarjt', 'rk_live_51Habcdefghij',
      'ghp_16C7e42F292c6912E7710c838347Ae178B4a', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnop', 'xoxb-123456789012-abcdefghij', 'xoxp-1234-5678-abcdefgh',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', `see ${JWT}`, 'my key is AKIAIOSFODNN7EXAMPLE ok'];
    for (const s of secrets) {
      expect(json({ note: s }), s).toEqual({ note: REDACTED });
      expect(r.headers({ 'x-note': s }), s).toEqual({ 'x-note': REDACTED });
    }
    for (const s of ['AKIA short', 'sk_live', 'task_live_view', 'ghp_short', 'hello world', 'skinny_test_case']) expect(json({ note: s }), s).toEqual({ note: s });
  });

  it('paths: secret segments redacted, path parameters dropped; routes never carry them', () => {
    expect(redactPath(`/reset/${JWT}`)).toBe(`/reset/${REDACTED}`);
    expect(redactPath('/api/keys/sk_live_4eC39HqLyjWDarjtT1zdp7dc/usage')).toBe(`/api/keys/${REDACTED}/usage`);
    expect(redactPath('/login;jsessionid=ABC123')).toBe('/login');
    expect(redactPath('/a;sid=1/b;v=2')).toBe('/a/b');
    expect(redactPath('/users/42/orders')).toBe('/users/42/orders');
    expect(redactPath('/')).toBe('/');
    const n = new RouteNormalizer();
    expect(n.normalize('/login;jsessionid=ABC123')).toBe('/login');
    expect(n.normalize('/cart;sid=XYZ/items?x=1')).toBe('/cart/items');
  });
});
