import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/**
 * Request smuggling through the generator: a path, method or capture record
 * with CR/LF must never reach the wire as a header line or a second request.
 * The target is a raw TCP server that keeps every byte it receives, so an
 * injected line shows up whatever an HTTP parser would have made of it.
 */
describe('generate: nothing unsafe reaches the wire', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-gensafe-'));
  const servers: Server[] = [];
  afterAll(() => { for (const s of servers) s.close(); });

  async function rawTarget(): Promise<{ url: string; wire: () => string }> {
    let bytes = '';
    const s = createServer((sock) => {
      sock.on('data', (d) => {
        bytes += d.toString('latin1');
        // One response per request head seen (keep-alive).
        const heads = d.toString('latin1').split('\r\n\r\n').length - 1;
        for (let i = 0; i < heads; i++) sock.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      });
      sock.on('error', () => undefined);
    });
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as { port: number }).port;
    return { url: `http://127.0.0.1:${port}`, wire: () => bytes };
  }

  it('--path and --method with CR/LF are refused (exit 2, naming the flag) before anything is sent', async () => {
    const t = await rawTarget();
    const p = runCli(['generate', '--target', t.url, '--path', '/p\r\nX-Injected: yes', '--rate', '20', '--duration', '300ms', '--quiet']);
    expect(await p.exit).toBe(2);
    expect(p.stderr()).toContain('--path must not contain spaces or control characters');
    const m = runCli(['generate', '--target', t.url, '--method', 'GET /admin HTTP/1.1\r\nX-Evil: 1\r\nFoo:', '--rate', '20', '--duration', '300ms', '--quiet']);
    expect(await m.exit).toBe(2);
    expect(m.stderr()).toContain('--method must be an HTTP method');
    const sp = runCli(['generate', '--target', t.url, '--path', '/a b', '--rate', '20', '--duration', '300ms', '--quiet']);
    expect(await sp.exit).toBe(2);
    expect(t.wire()).toBe('');
  });

  it('a scenario file with a CR/LF path, method or header value is refused', async () => {
    const t = await rawTarget();
    const f = join(dir, 'evil.json');
    writeFileSync(f, JSON.stringify({ target: t.url, duration: '300ms', load: { executor: 'constant-rate', rate: 20 }, source: { path: '/x\r\nX-Evil: 1', method: 'GET\r\n' }, headers: { 'x-a': 'b\r\nX-Evil: 2' } }));
    const r = runCli(['generate', '--scenario', f, '--quiet']);
    expect(await r.exit).toBe(2);
    expect(r.stderr()).toContain('source.path');
    expect(r.stderr()).toContain('source.method');
    expect(r.stderr()).toContain('headers');
    expect(t.wire()).toBe('');
  });

  it('--replay and --capture-mix skip records whose path, method or headers would split the head, counted by reason', async () => {
    const rec = (ts: number, o: Record<string, unknown>): string => JSON.stringify({ ts, durationMs: 1, method: 'GET', path: '/ok', route: '/ok', queryKeys: [], status: 200, reqBytes: 0, resBytes: 1, protocol: 'http1', ...o });
    const cap = join(dir, 'evil.ndjson');
    writeFileSync(cap, [
      rec(1000, { path: '/r\r\nX-Smuggled: 1\r\n\r\nGET /admin', route: '/r' }),
      rec(1010, {}),
      rec(1020, { method: 'GET /admin HTTP/1.1\r\nX: ' }),
      rec(1030, { headers: { 'x-a': 'v\r\nX-Smuggled: 2' } }),
      rec(1040, { path: '/ok2' }),
    ].join('\n') + '\n');
    for (const mode of ['--replay', '--capture-mix']) {
      const t = await rawTarget();
      const args = mode === '--replay' ? ['--replay', cap, '--speed', '10'] : ['--capture-mix', cap, '--rate', '40', '--duration', '300ms'];
      const r = runCli(['generate', '--target', t.url, ...args, '--quiet']);
      expect(await r.exit).toBe(0);
      expect(r.stderr()).toMatch(/skipped 3 unusable capture lines \(.*bad_target: 1.*\)/);
      expect(r.stderr()).toContain('bad_method: 1');
      expect(r.stderr()).toContain('bad_header: 1');
      const wire = t.wire();
      expect(wire).toContain('GET /ok');
      expect(wire).not.toMatch(/Smuggled|\/admin/);
      // Every request line on the wire is a plain GET of a good path.
      const lines = wire.split('\r\n').filter((l) => / HTTP\/1\.1$/.test(l));
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(l).toMatch(/^GET \/ok2? HTTP\/1\.1$/);
    }
  });

  it('--model: a path learnt from a hostile log is sent percent-encoded, never as a header line', async () => {
    const log = join(dir, 'access.json');
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) {
      lines.push(JSON.stringify({ time_iso8601: `2026-11-20T10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}+00:00`, request_method: 'GET', request_uri: i % 2 ? '/MARKPATH' : '/fine', status: 200, body_bytes_sent: 12, request_time: 0.01, remote_addr: '::1', http_user_agent: 'curl/8' }));
    }
    writeFileSync(log, lines.join('\n') + '\n');
    const model = join(dir, 'model.json');
    const b = runCli(['profile', 'build', log, '--format', 'nginx-json', '-o', model]);
    expect(await b.exit, b.stderr()).toBe(0);
    // Whatever ingest accepts, the generator must not trust the model: plant the hostile path in it.
    const text = readFileSync(model, 'utf8');
    expect(text).toContain('/MARKPATH');
    writeFileSync(model, text.replaceAll('/MARKPATH', '/r\\r\\nX-Smuggled: 1\\r\\n\\r\\nGET /admin'));
    const t = await rawTarget();
    const r = runCli(['generate', '--target', t.url, '--model', model, '--rate', '50', '--duration', '400ms', '--quiet']);
    expect(await r.exit, r.stderr()).toBe(0);
    const wire = t.wire();
    expect(wire).not.toMatch(/\r\nX-Smuggled|\r\nGET \/admin/);
    expect(wire).toContain('/r%0D%0AX-Smuggled:%201%0D%0A%0D%0AGET%20/admin');
  });

  it('SHADOWTWIN_PRIMARY: bare host:port, space-separated and JSON lists are understood; an unparseable entry fails closed (exit 2)', async () => {
    const primary = await rawTarget();
    const hostPort = primary.url.replace('http://', '');
    const other = 'http://127.0.0.1:1';
    const run = (env: string) => runCli(['generate', '--target', primary.url, '--rate', '20', '--duration', '300ms', '--quiet'], { SHADOWTWIN_PRIMARY: env });
    for (const env of [hostPort, `${other} ${hostPort}`, `${other},\t${primary.url}`, JSON.stringify([other, primary.url])]) {
      const r = run(env);
      expect(await r.exit, env).toBe(2);
      expect(r.stderr(), env).toContain('ST_ERR_SAFETY_TARGET_IS_PRIMARY');
    }
    for (const env of ['http://', 'ftp://10.0.0.1:21', '["http://a:1",', 'http://u:p@10.0.0.1:80']) {
      const r = run(env);
      expect(await r.exit, env).toBe(2);
      expect(r.stderr(), env).toContain('SHADOWTWIN_PRIMARY');
      expect(r.stderr(), env).toContain('ST_ERR_CONFIG_INVALID');
    }
    expect(primary.wire()).toBe('');
  });

  it('--metrics on a busy port is ST_ERR_LISTEN_FAILED (exit 3), before any load', async () => {
    const busy = await rawTarget();
    const t = await rawTarget();
    const r = runCli(['generate', '--target', t.url, '--rate', '20', '--duration', '300ms', '--quiet', '--metrics', busy.url.replace('http://', '')]);
    expect(await r.exit).toBe(3);
    expect(r.stderr()).toContain('ST_ERR_LISTEN_FAILED');
    expect(r.stderr()).toContain('EADDRINUSE');
    expect(t.wire()).toBe('');
  });

  it('numeric flags are decimal only: 0x10, 0b1, 1e3, Infinity and padded numbers are refused, each named', async () => {
    const t = await rawTarget();
    const r = runCli(['generate', '--target', t.url, '--rate', '0x10', '--seed', '0b1', '--max-rate', 'Infinity', '--connections', ' 8', '--max-in-flight', '1e3', '--duration', '300ms', '--quiet']);
    expect(await r.exit).toBe(2);
    for (const f of ['--rate must be a number above 0, got "0x10"', '--seed must be a whole number, got "0b1"', '--max-rate must be', '--connections must be', '--max-in-flight must be']) expect(r.stderr()).toContain(f);
    expect(t.wire()).toBe('');
    const ok = runCli(['generate', '--target', t.url, '--rate', '20.5', '--seed', '-3', '--duration', '300ms', '--quiet']);
    expect(await ok.exit, ok.stderr()).toBe(0);
  });

  it('--out that is not a regular file (/proc/version, /dev/full) is refused before any load', async () => {
    const t = await rawTarget();
    for (const out of ['/proc/version', '/dev/full']) {
      const r = runCli(['generate', '--target', t.url, '--rate', '20', '--duration', '300ms', '--quiet', '--out', out]);
      expect(await r.exit, out).not.toBe(0);
      expect(r.stderr(), out).toContain(`ST_ERR_OUTPUT_UNWRITABLE: --out ${out}: cannot write it (`);
      expect(r.stderr(), out).not.toContain("saved to");
    }
    expect(t.wire()).toBe('');
  });
});
