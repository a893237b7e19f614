import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

export const NGINX = '/usr/sbin/nginx';

export interface TestNginx {
  url: string;
  /** Its access log (Combined Log Format; the client address is the first X-Forwarded-For hop). */
  accessLog: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ host: '127.0.0.1', port }, () => { c.destroy(); resolve(true); });
    c.on('error', () => resolve(false));
  });
}

/**
 * A real nginx in the foreground (`daemon off; master_process off`), every
 * file in `dir`, answering 200 to any method and path, logging the Combined
 * Log Format with the client taken from X-Forwarded-For by the realip module
 * (the configuration docs/profiler.md recommends for the fidelity loop).
 */
export async function startNginx(dir: string): Promise<TestNginx> {
  // The free port is found by binding and closing it; another process can take it in between: try again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(dir);
    } catch (err) {
      if (attempt >= 3 || !/Address already in use/.test((err as Error).message)) throw err;
    }
  }
}

async function startOnce(dir: string): Promise<TestNginx> {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: run scripts/install-test-deps.sh (npm test does it in pretest)`);
  mkdirSync(join(dir, 'temp'), { recursive: true });
  const port = await freePort();
  const accessLog = join(dir, 'access.log');
  const conf = join(dir, 'nginx.conf');
  const t = join(dir, 'temp');
  writeFileSync(conf, `daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  client_body_temp_path ${t}/body; proxy_temp_path ${t}/proxy; fastcgi_temp_path ${t}/fastcgi; uwsgi_temp_path ${t}/uwsgi; scgi_temp_path ${t}/scgi;
  keepalive_requests 1000000;
  set_real_ip_from 127.0.0.1;
  real_ip_header X-Forwarded-For;
  access_log ${accessLog} combined;
  server {
    listen 127.0.0.1:${port};
    location / { return 200 "ok\\n"; }
  }
}
`);
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  let gone = false;
  void exited.then(() => { gone = true; });
  for (let i = 0; !(await accepts(port)); i++) {
    if (gone || i > 400) { child.kill('SIGKILL'); throw new Error(`nginx did not start: ${stderr}`); }
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    accessLog,
    async stop() {
      if (gone) return;
      child.kill('SIGQUIT'); // graceful: finishes and closes its log
      await exited;
    },
  };
}
