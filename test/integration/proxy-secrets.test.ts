import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/common/index.js';
import { readBody, useCleanup } from '../helpers/servers.js';

/** Each secret is unique, so a hit names the leak. */
const S = (n: number): string => `PLANTED-SECRET-${n}-x9q`;

describe('full capture with default settings keeps no secret', () => {
  const { server, sidecar } = useCleanup();

  it('scans the capture file, the logs and /metrics for planted secrets', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'st-secrets-')), 'capture.ndjson');
    let logs = '';
    const logger = pino({ level: 'trace' }, new Writable({ write(chunk, _enc, cb) { logs += String(chunk); cb(); } }));
    const up = await server(async (req, res) => {
      await readBody(req);
      res.writeHead(req.url!.startsWith('/fail') ? 502 : 200, { 'content-type': 'application/json', 'set-cookie': `sid=${S(0)}` });
      res.end('{"ok":true}');
    });
    // Defaults only: no redactBodyFields, no redactHeaders.
    const sc = await sidecar({ primary: [up.url], capture: { file, mode: 'full', flushInterval: '20ms', maxBodyBytes: 2048 } }, { logger });
    const p = sc.addresses.proxy;
    const send = async (path: string, method: string, headers: Record<string, string>, body?: string): Promise<void> => {
      await (await request(`${p}${path}`, { method: method as 'POST', headers, body })).body.dump();
    };
    await send('/login', 'POST', { 'content-type': 'application/json' }, JSON.stringify({
      user: 'ann', password: S(1), token: S(2), profile: { apiKey: S(3), grants: [{ client_secret: S(4) }] }, note: `Bearer ${S(5)}`, payment: { cvv: S(15), amount: '42' },
    }));
    await send('/oauth/token', 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, `grant_type=client_credentials&client_secret=${S(6)}&session_id=${S(7)}`);
    await send(`/users/42?access_token=${S(16)}`, 'GET', { 'x-auth-token': S(8), 'X-Session-Id': S(9), 'x-trace': `Bearer ${S(10)}`, cookie: `sid=${S(11)}` });
    await send('/upload', 'POST', { 'content-type': 'multipart/form-data; boundary=b' }, `--b\r\nContent-Disposition: form-data; name="password"\r\n\r\n${S(12)}\r\n--b--\r\n`);
    await send('/notes', 'POST', { 'content-type': 'text/plain' }, `password=${S(13)}`);
    await send('/raw', 'POST', {}, `secret=${S(14)}`);
    await send('/big', 'POST', { 'content-type': 'application/json' }, JSON.stringify({ password: S(17), pad: 'x'.repeat(4000) }));
    await send('/fail/1', 'POST', { 'content-type': 'application/json', authorization: `Bearer ${S(18)}` }, JSON.stringify({ token: S(19) }));
    await send('/broken', 'POST', { 'content-type': 'application/json' }, `{"password": "${S(20)}"`);
    const metrics = await (await request(`${sc.addresses.admin}/metrics`)).body.text();
    const config = await (await request(`${sc.addresses.admin}/config`)).body.text();
    await sc.stop();
    const text = readFileSync(file, 'utf8');

    const leaks: string[] = [];
    for (let i = 0; i <= 20; i++) {
      for (const [where, body] of [['capture', text], ['logs', logs], ['metrics', metrics], ['config', config]] as const) {
        if (body.includes(S(i))) leaks.push(`${S(i)} in ${where}`);
      }
    }
    expect(leaks).toEqual([]);

    // Redaction did not throw the useful parts away.
    const records = text.trim().split('\n').slice(1).map((l) => JSON.parse(l) as RequestRecord);
    expect(records).toHaveLength(9);
    const login = JSON.parse(records[0]!.body!) as Record<string, unknown>;
    expect(login).toMatchObject({ user: 'ann', password: '[REDACTED]', payment: { cvv: '[REDACTED]', amount: '42' } });
    expect(records[1]!.body).toContain('grant_type=client_credentials');
    expect(records[2]!.headers!['x-auth-token']).toBe('[REDACTED]');
    for (const i of [3, 4, 5, 6, 8]) {
      expect(records[i]!.body, records[i]!.path).toBeUndefined();
      expect(records[i]!.bodyOmitted, records[i]!.path).toMatchObject({ bytes: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{16}$/) });
    }
    expect(records[6]!.bodyOmitted!.reason).toBe('truncated');
    expect(records[8]!.bodyOmitted!.reason).toBe('unparsed');
  });
});
