import { connect } from 'node:net';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { useCleanup } from '../helpers/servers.js';

/** Sends raw bytes, returns everything the sidecar answered until it closed (or 3 s). */
function raw(proxy: string, text: string): Promise<string> {
  const { port } = new URL(proxy);
  return new Promise((resolve) => {
    let got = '';
    const sock = connect(Number(port), '127.0.0.1', () => sock.write(text));
    const t = setTimeout(() => { sock.destroy(); resolve(got); }, 3000);
    sock.on('data', (d) => { got += d.toString('latin1'); });
    sock.on('close', () => { clearTimeout(t); resolve(got); });
    sock.on('error', () => undefined);
  });
}

describe('a request undici refuses to send is the client\'s fault, never the upstream\'s', () => {
  const { server, sidecar } = useCleanup();

  it('duplicate or spaced Host headers get 400 and never eject a healthy primary', async () => {
    let hits = 0;
    const primary = await server((_req, res) => { hits++; res.end('primary'); });
    const sc = await sidecar({ primary: [primary.url], upstream: { ejection: { consecutiveFailures: 2 } } });
    const ejected: string[] = [];
    sc.on('ejected', (o: string) => ejected.push(o));
    const bad = [
      'GET /g HTTP/1.1\r\nHost: x\r\nHost: y\r\nConnection: close\r\n\r\n',
      'GET /g HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n',
    ];
    for (let i = 0; i < 6; i++) {
      const answer = await raw(sc.addresses.proxy, bad[i % 2]!);
      expect(answer, `${i}: ${answer}`).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain('ST_ERR_PROXY_BAD_REQUEST');
    }
    expect(ejected).toEqual([]);
    expect(sc.upstreams.view().every((m) => m.healthy !== false)).toBe(true);
    const ok = await request(`${sc.addresses.proxy}/ok`);
    expect(ok.statusCode).toBe(200);
    expect(await ok.body.text()).toBe('primary');
    expect(hits).toBe(1);
    const metrics = await (await request(`${sc.addresses.admin}/metrics`)).body.text();
    expect(metrics).not.toMatch(/shadowtwin_upstream_ejections_total\{[^}]*\} [1-9]/);
  });
});
