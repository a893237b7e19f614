import { describe, expect, it } from 'vitest';
import { canonicalIp, findSameEndpoint, isLoopback, resolveEndpoint, sameEndpoint, THIS_HOST } from '../../../src/common/index.js';

const dns: Record<string, string[]> = {
  'primary.internal': ['10.0.0.5', 'fd00::5'],
  'alias.internal': ['fd00::5'],
  'other.internal': ['10.0.0.9'],
  'me.internal': ['192.168.1.20'],
};
const opts = {
  lookup: async (h: string): Promise<string[]> => {
    const a = dns[h];
    if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${h}`), { code: 'ENOTFOUND' });
    return a;
  },
  localAddresses: () => ['127.0.0.1', '::1', '192.168.1.20', 'fe80::1'],
};

describe('address identity ("never the primary")', () => {
  it('canonicalises IPs: mapped IPv6, long IPv6 forms, zones, brackets, case', () => {
    expect(canonicalIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(canonicalIp('[::FFFF:7F00:1]')).toBe('127.0.0.1');
    expect(canonicalIp('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(canonicalIp('FE80::1%eth0')).toBe('fe80::1');
    expect(canonicalIp('example.com')).toBeUndefined();
  });

  it('loopback is 127.0.0.0/8, ::1, their mapped forms and localhost, not a name that starts with 127.', () => {
    for (const h of ['127.0.0.1', '127.3.4.5', '::1', '[::1]', '::ffff:127.0.0.2', '::ffff:7f00:1', 'localhost', 'LocalHost', 'api.localhost']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['127.evil.example', '127.0.0.1.nip.io', '10.0.0.1', '::', '0.0.0.0', '128.0.0.1']) expect(isLoopback(h), h).toBe(false);
  });

  it('every name for this host is one endpoint: localhost, 127.x, ::1, mapped, 0.0.0.0, ::, own interfaces', async () => {
    const primary = await resolveEndpoint('http://127.0.0.1:8080', opts);
    expect([...primary.addresses]).toEqual([THIS_HOST]);
    for (const alias of ['http://localhost:8080', 'http://LOCALHOST.:8080', 'http://127.0.0.2:8080', 'http://[::1]:8080', 'http://[::ffff:127.0.0.1]:8080',
      'http://0.0.0.0:8080', 'http://[::]:8080', 'http://192.168.1.20:8080', 'http://me.internal:8080', 'http://2130706433:8080', 'http://0x7f.1:8080']) {
      expect(sameEndpoint(primary, await resolveEndpoint(alias, opts)), alias).toBe(true);
    }
    expect(sameEndpoint(primary, await resolveEndpoint('http://localhost:8081', opts))).toBe(false);
    expect(sameEndpoint(primary, await resolveEndpoint('http://10.0.0.9:8080', opts))).toBe(false);
  });

  it('a name matches when any of its addresses does; default ports count; unresolvable names compare by name', async () => {
    expect(await findSameEndpoint(['http://alias.internal:80'], ['http://primary.internal'], opts)).toEqual({ candidate: 'http://alias.internal:80', forbidden: 'http://primary.internal' });
    expect(await findSameEndpoint(['http://[fd00::5]'], ['http://PRIMARY.internal:80'], opts)).toEqual({ candidate: 'http://[fd00::5]', forbidden: 'http://PRIMARY.internal:80' });
    expect(await findSameEndpoint(['https://10.0.0.5'], ['http://primary.internal:443'], opts)).toEqual({ candidate: 'https://10.0.0.5', forbidden: 'http://primary.internal:443' });
    expect(await findSameEndpoint(['http://other.internal'], ['http://primary.internal'], opts)).toBeUndefined();
    expect(await findSameEndpoint(['http://Nowhere.example:9'], ['http://nowhere.example:9'], opts)).toEqual({ candidate: 'http://Nowhere.example:9', forbidden: 'http://nowhere.example:9' });
    expect(await findSameEndpoint(['http://nowhere.example:9'], ['http://elsewhere.example:9'], opts)).toBeUndefined();
  });

  it('uses real DNS and interfaces by default: localhost is 127.0.0.1', async () => {
    expect(await findSameEndpoint(['http://localhost:9'], ['http://127.0.0.1:9'])).toEqual({ candidate: 'http://localhost:9', forbidden: 'http://127.0.0.1:9' });
    expect(await findSameEndpoint(['http://localhost:9'], ['http://127.0.0.1:10'])).toBeUndefined();
  });
});
