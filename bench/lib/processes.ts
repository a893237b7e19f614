import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`port ${port} did not open`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Proc {
  child: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

export function startProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  child.stderr!.on('data', (d) => { err += d; if (err.length > 10_000) err = err.slice(-5000); });
  return {
    child,
    pid: child.pid!,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }),
  };
}

export function nginxBinary(): string | undefined {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (existsSync(p)) return p;
  return undefined;
}

/**
 * One nginx (1 worker, like our single-process proxies) serving:
 * `upstream` and `secondary` answering 200 with a small body, and
 * `proxy` doing proxy_pass with keep-alive to `upstream` (the reference forwarder).
 */
export async function startNginx(ports: { upstream: number; secondary: number; proxy: number }, bodyBytes: number): Promise<Proc> {
  const bin = nginxBinary();
  if (!bin) throw new Error('nginx not installed: run scripts/install-test-deps.sh --bench');
  const dir = mkdtempSync(join(tmpdir(), 'st-nginx-'));
  const body = 'x'.repeat(bodyBytes);
  writeFileSync(join(dir, 'nginx.conf'), `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  upstream app { server 127.0.0.1:${ports.upstream}; keepalive 256; }
  server { listen 127.0.0.1:${ports.upstream}; location / { default_type text/plain; return 200 "${body}"; } }
  server { listen 127.0.0.1:${ports.secondary}; location / { default_type text/plain; return 200 "${body}"; } }
  server { listen 127.0.0.1:${ports.proxy}; location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
`);
  const proc = startProcess(bin, ['-c', join(dir, 'nginx.conf'), '-p', dir]);
  await waitForPort(ports.upstream);
  await waitForPort(ports.proxy);
  return proc;
}

export interface WrkResult { rps: number; latencyP99Ms?: number }

/** Runs wrk asynchronously (samplers in this process keep running meanwhile). */
export async function wrk(url: string, seconds: number, connections = 50): Promise<WrkResult> {
  const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (e) => reject(new Error(`wrk not installed: run scripts/install-test-deps.sh --bench (${e.message})`)));
    child.on('exit', resolve);
  });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
  if (code !== 0 || !rps) throw new Error(`wrk failed (${code}):\n${stdout}\n${stderr}`);
  if (non2xx) throw new Error(`wrk saw ${non2xx[1]} non-2xx responses from ${url}`);
  return { rps: Number(rps[1]) };
}
