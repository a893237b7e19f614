import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/common/index.js';
import type { Sidecar } from '../../src/proxy/index.js';
import { useCleanup } from '../helpers/servers.js';
import { waitUntil } from '../helpers/wait.js';

// Wall-clock test (*.wallclock.test.ts): run alone, after the rest of the suite (vitest.config.ts).

function recordsOf(sc: Sidecar): RequestRecord[] {
  const out: RequestRecord[] = [];
  sc.capture.on('record', (r: RequestRecord) => out.push(r));
  return out;
}

/**
 * A plain 1 s timer started with the request, in the same process as the
 * sidecar: a busy machine delays it as much as the sidecar's, so comparing
 * with it measures the timeout's own error, not the machine's load.
 */
function referenceTimer(ms: number): Promise<number> {
  return new Promise((resolve) => setTimeout(() => resolve(performance.now()), ms));
}

/** Each timeout answered within 100 ms of the reference (undici's own timers are up to ~500 ms late). */
function expectOnTime(lates: number[]): void {
  expect(Math.min(...lates)).toBeGreaterThan(-50);
  expect(Math.max(...lates)).toBeLessThan(100);
}

describe('sidecar upstream timeouts fire on time (wall-clock)', () => {
  const { server, sidecar } = useCleanup();

  it('upstream.responseTimeout fires within 100 ms of its setting (not on a 0.5 s tick)', async () => {
    const up = await server(() => undefined); // never answers
    const sc = await sidecar({ primary: [up.url], upstream: { responseTimeout: '1s' } });
    const records = recordsOf(sc);
    // Staggered over one tick of undici's coarse timer so a quantised timeout shows in at least one of them.
    const lates = await Promise.all(Array.from({ length: 6 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 90));
      const ref = referenceTimer(1000);
      const res = await request(`${sc.addresses.proxy}/slow/${i}`);
      await res.body.dump();
      expect(res.statusCode).toBe(504);
      return performance.now() - (await ref);
    }));
    expectOnTime(lates);
    await waitUntil(() => records.length === 6, 'all 6 requests were recorded');
    expect(records.every((r) => r.status === 504 && r.error === 'ST_ERR_PROXY_UPSTREAM_TIMEOUT')).toBe(true);
  });

  it('upstream.connectTimeout fires within 100 ms of its setting', async () => {
    // A listener whose accept queue is full: the kernel drops further SYNs, so connects hang.
    const py = spawn('python3', ['-c', 'import socket,time\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)']);
    const port = await new Promise<number>((resolve) => py.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
    const fillers: Socket[] = [];
    try {
      for (let i = 0; i < 3; i++) fillers.push(connect(port, '127.0.0.1').on('error', () => undefined));
      await new Promise((r) => setTimeout(r, 100));
      const sc = await sidecar({ primary: [`http://127.0.0.1:${port}`], upstream: { connectTimeout: '1s', ejection: { consecutiveFailures: 100 } } });
      const lates = await Promise.all(Array.from({ length: 6 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i * 90));
        const ref = referenceTimer(1000);
        const res = await request(`${sc.addresses.proxy}/c/${i}`);
        const body = await res.body.text();
        expect(res.statusCode).toBe(504);
        expect(body).toContain('ST_ERR_PROXY_UPSTREAM_TIMEOUT');
        return performance.now() - (await ref);
      }));
      expectOnTime(lates);
    } finally {
      for (const f of fillers) f.destroy();
      py.kill();
    }
  });

  it('upstream.bodyTimeout (idle between chunks) fires within 100 ms of its setting', async () => {
    const up = await server((_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.write('first chunk'); }); // then stalls
    const sc = await sidecar({ primary: [up.url], upstream: { bodyTimeout: '1s' } });
    const records = recordsOf(sc);
    const lates = await Promise.all(Array.from({ length: 6 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 90));
      const res = await request(`${sc.addresses.proxy}/stall/${i}`);
      const ref = referenceTimer(1000); // headers and the first chunk arrive together
      expect(res.statusCode).toBe(200);
      await res.body.text().then(() => undefined, () => undefined);
      return performance.now() - (await ref);
    }));
    expectOnTime(lates);
    await waitUntil(() => records.length === 6, 'all 6 requests were recorded');
    expect(records.every((r) => r.status === 200 && r.error === 'ST_ERR_PROXY_UPSTREAM_TIMEOUT')).toBe(true);
  });
});
