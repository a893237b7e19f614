import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSidecarConfig } from '../../src/common/index.js';
import { loadControllerConfig } from '../../src/control/controller-config.js';
import { createSampleUpstream, listenOn } from '../../src/demo/sample-upstream.js';
import { loadScenario } from '../../src/generator/index.js';
import type { Sidecar } from '../../src/proxy/index.js';
import { assertBuilt, CLI } from '../helpers/cli.js';
import { annotation, commandsOf, expectedExits, extractBlocks, hasKeyPath, isNpmLifecycle, promisedKeys, skipReason, type DocBlock, type DocCommand } from '../helpers/doc-blocks.js';
import { deadUrl, startSidecar } from '../helpers/servers.js';
import { childDone } from '../helpers/child-done.js';

/**
 * Every ```sh and ```yaml block of README.md and docs/*.md, run as written
 * (bench/README.md is not: benchmarks are not run by tests). Each doc's shell
 * blocks run in order, in one temporary directory holding a copy of
 * examples/, with `shadowtwin` on PATH as the built CLI. The examples are
 * written for a user; the harness rewrites only these things:
 *
 * 1. Hosts (in commands and in the copied example files): the doc's hosts are
 *    servers this test starts on port 0 —
 *      127.0.0.1:8080                               → a sample upstream, the primary
 *      127.0.0.1:8081, candidate:8080, staging:8080 → a sample upstream, the secondary
 *      candidate:8443                               → an HTTPS server offering HTTP/2 (ca.pem is its certificate)
 *      127.0.0.1:15000 (in a URL)                   → the admin port of a sidecar mirroring to the secondary
 *      prometheus:9090                              → a real Prometheus, backfilled with 15 days of the
 *                                                     sidecar's request counters and a CPU counter
 *    A URL whose host is not in the table fails the test (add it here).
 * 2. Addresses to listen on (`--listen`, `--admin HOST:PORT`, `--metrics`,
 *    `--metrics-listen`, `listen:` in a copied YAML file) become 127.0.0.1:0;
 *    SHADOWTWIN_ADMIN_LISTEN=127.0.0.1:0 stands in for the default admin port.
 * 3. Durations: `generate --duration X` → 1s (a `--replay` or `--scenario` run
 *    without one gets `--duration 1s`); `capacity --trial X` → 1s, and
 *    `--max-rate 40` when it has none (the search would otherwise double the
 *    rate until the sample upstream fails the SLO).
 * 4. `/var/lib/shadowtwin/` → `./var-lib-shadowtwin/` (created).
 * 5. `ca.pem` (the user's CA) is the certificate of the HTTPS server above.
 *
 * Every command must exit 0 unless its block says otherwise
 * (`<!-- doc-test: exit 4 for "profile diff" -->`), except that a `generate`
 * or `capacity` run may exit 4 when only latency thresholds (p50…p999)
 * failed, as its output shows: a latency on a busy test machine is a
 * measurement; `npm ci|start|test` lines
 * and blocks annotated `<!-- doc-test: skip (reason) -->` are not run.
 * `long-running` blocks (the sidecar, the controller) are started, awaited
 * until the sidecar answers /readyz and forwards a request (the controller:
 * until its /healthz answers 200), then SIGTERMed: exit 0. `--grpc` and
 * `--http` addresses become 127.0.0.1:0 like `--listen`.
 * YAML blocks are validated with the schema they document (`schema sidecar`
 * or `schema scenario`); `file examples/X` blocks must equal that file.
 * JSON blocks are contracts: `output of "COMMANDS"` runs the commands and
 * every key the block shows must be in what the last one prints (keys that
 * are data, like "200" or "0.8", and keys listed `optional` excepted).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const RUN_DURATION = '1s';
// A guard against a run that never ends (a replay that ignored --duration did), not a performance limit.
const COMMAND_TIMEOUT_MS = 240_000;

const blocks: DocBlock[] = DOCS.flatMap((d) => extractBlocks(join(ROOT, d), d));

interface Env {
  hosts: Map<string, string>;
  bin: string;
}

function rewrite(cmd: string, env: Env): string {
  let out = cmd.replace(/(--listen|--admin|--metrics-listen|--metrics|--grpc|--http)([ =])(?!\S*:\/\/)(\S+)/g, '$1$2127.0.0.1:0');
  out = out.replaceAll('/var/lib/shadowtwin/', './var-lib-shadowtwin/');
  out = rewriteHosts(out, env);
  if (/^shadowtwin (generate|capacity|scale)\b/.test(out)) {
    out = out.replace(/(^|\s)--duration[ =]\S+/g, `$1--duration ${RUN_DURATION}`).replace(/(^|\s)--trial[ =]\S+/g, '$1--trial 1s').replace(/(^|\s)--validate-duration[ =]\S+/g, '$1--validate-duration 1s');
    if (/^shadowtwin generate\b/.test(out) && /\s--(replay|scenario)\b/.test(out) && !/\s--duration\b/.test(out)) out += ` --duration ${RUN_DURATION}`;
    if (/^shadowtwin capacity\b/.test(out)) {
      if (!/\s--trial\b/.test(out)) out += ' --trial 1s';
      if (!/\s--max-rate\b/.test(out)) out += ' --max-rate 40';
    }
  }
  return out;
}

function rewriteHosts(text: string, env: Env): string {
  return text.replace(/(https?):\/\/([^/\s'"#,\]]+)/g, (whole, _scheme: string, authority: string) => {
    const to = env.hosts.get(authority);
    if (!to) throw new Error(`no test server for ${whole}: add ${authority} to the host table in docs-examples.test.ts`);
    return to;
  });
}

/** Copies examples/ into a fresh directory, rewriting hosts and listen addresses in the YAML files. */
function workDir(env: Env): string {
  const dir = mkdtempSync(join(tmpdir(), 'st-docs-'));
  for (const f of readdirSync(join(ROOT, 'examples'))) {
    const src = join(ROOT, 'examples', f);
    if (f.endsWith('.yaml')) writeFileSync(join(dir, f), rewriteHosts(readFileSync(src, 'utf8'), env).replace(/^(\s*listen:\s*)\S+/gm, '$1127.0.0.1:0'));
    else copyFileSync(src, join(dir, f));
  }
  mkdirSync(join(dir, 'var-lib-shadowtwin'));
  return dir;
}

interface Result { code: number | null; stdout: string; stderr: string }

function runShell(cmd: string, cwd: string, env: Env): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', cmd], { cwd, env: { ...process.env, PATH: `${env.bin}:${process.env.PATH}`, SHADOWTWIN_ADMIN_LISTEN: '127.0.0.1:0', SHADOWTWIN_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
    void childDone(child).then((code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

/** A server command: waits until it says where it listens and answers, then SIGTERM; resolves with its exit. */
function runServer(cmd: string, cwd: string, env: Env): Promise<Result & { forwarded: number }> {
  return new Promise((resolve, reject) => {
    // exec: the signal reaches the CLI, not the shell.
    const child = spawn('bash', ['-c', `exec env ${cmd}`], { cwd, env: { ...process.env, PATH: `${env.bin}:${process.env.PATH}`, SHADOWTWIN_ADMIN_LISTEN: '127.0.0.1:0', SHADOWTWIN_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let forwarded = 0;
    let probing = false;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${cmd}: not ready within ${COMMAND_TIMEOUT_MS} ms\n${stderr}`)); }, COMMAND_TIMEOUT_MS);
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', async (d) => {
      stderr += d;
      // The controller: its banner names the HTTP listener; ready when /healthz answers 200.
      const ctl = /^shadowtwin controller: grpc \S+ +http (http:\/\/\S+)/m.exec(stderr);
      if (ctl && !probing) {
        probing = true;
        forwarded = await request(`${ctl[1]}/healthz`).then(async (r) => { await r.body.dump(); return r.statusCode; });
        child.kill('SIGTERM');
        return;
      }
      const m = /"proxy":"(http:\/\/[^"]+)","admin":"(http:\/\/[^"]+)"/.exec(stderr);
      if (!m || probing) return;
      probing = true;
      const ready = await request(`${m[2]}/readyz`).then(async (r) => { await r.body.dump(); return r.statusCode; });
      const res = await request(`${m[1]}/users/7`);
      await res.body.dump();
      if (ready === 200) forwarded = res.statusCode;
      child.kill('SIGTERM');
    });
    void childDone(child).then((code) => { clearTimeout(timer); resolve({ code, stdout, stderr, forwarded }); });
  });
}

function selfSignedCert(dir: string): { key: string; cert: string } {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-days', '2', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'ca.pem')], { stdio: 'ignore' });
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'ca.pem'), 'utf8') };
}

/**
 * OpenMetrics text for promtool's backfill: 15 days up to now, one sample a
 * minute, of the sidecar's per-route request counters and a pod's CPU
 * counter (CPU ≈ 0.2 cores + a cost per request of each route), with a daily cycle.
 */
function backfill(nowS: number): string {
  const routes = [['/users/:id', 'GET', 10, 0.004], ['/products', 'GET', 6, 0.006], ['/checkout', 'POST', 1.5, 0.05]] as const;
  const start = nowS - 15 * 86_400;
  const lines: string[] = [];
  const counts = routes.map(() => 0);
  let cpu = 0;
  const cpuLines: string[] = [];
  const routeLines: string[][] = routes.map(() => []);
  for (let t = start; t <= nowS - 60; t += 60) {
    const shape = 1 + 0.6 * Math.sin(((t % 86_400) / 86_400) * 2 * Math.PI) + 0.1 * Math.sin(t / 977);
    let cores = 0.2;
    routes.forEach(([route, method, rate, cost], i) => {
      counts[i]! += rate * shape * 60;
      cores += cost * rate * shape;
      routeLines[i]!.push(`shadowtwin_proxy_request_duration_seconds_count{route="${route}",method="${method}"} ${counts[i]!.toFixed(2)} ${t}`);
    });
    cpu += cores * 60;
    cpuLines.push(`container_cpu_usage_seconds_total{pod="shop-1"} ${cpu.toFixed(3)} ${t}`);
  }
  for (const l of routeLines) lines.push(...l);
  lines.push(...cpuLines, '# EOF');
  return lines.join('\n') + '\n';
}

async function startPrometheus(dir: string): Promise<{ url: string; stop(): void }> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'backfill.om'), backfill(Math.floor(Date.now() / 1000)));
  execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=720h', join(dir, 'backfill.om'), join(dir, 'data')], { stdio: 'ignore' });
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\nscrape_configs: []\n');
  const port = Number(new URL(await deadUrl()).port);
  const url = `http://127.0.0.1:${port}`;
  const prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, '--storage.tsdb.retention.time=60d', `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  prom.on('error', (e) => { throw new Error(`prometheus is needed: run scripts/install-test-deps.sh (${e.message})`); });
  for (let i = 0; i < 200; i++) {
    const r = await request(`${url}/api/v1/query?query=count(container_cpu_usage_seconds_total)`).then((x) => x.body.json() as Promise<{ data?: { result?: unknown[] } }>).catch(() => undefined);
    if (r?.data?.result?.length) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  return { url, stop: () => prom.kill('SIGTERM') };
}

describe('every example in README.md and docs/*.md runs as written', () => {
  const env: Env = { hosts: new Map(), bin: '' };
  const closers: Array<() => unknown> = [];
  let certDir = '';

  beforeAll(async () => {
    assertBuilt();
    const base = mkdtempSync(join(tmpdir(), 'st-docs-env-'));
    closers.push(() => rmSync(base, { recursive: true, force: true }));
    env.bin = join(base, 'bin');
    mkdirSync(env.bin);
    writeFileSync(join(env.bin, 'shadowtwin'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(join(env.bin, 'shadowtwin'), 0o755);

    const prometheus = startPrometheus(join(base, 'prom'));
    const primary: Server = createSampleUpstream({ name: 'primary' });
    const secondary: Server = createSampleUpstream({ name: 'secondary', baseLatencyMs: 2 });
    const primaryUrl = await listenOn(primary);
    const secondaryUrl = await listenOn(secondary);
    closers.push(() => primary.close(), () => secondary.close());

    certDir = join(base, 'tls');
    mkdirSync(certDir);
    const { key, cert } = selfSignedCert(certDir);
    const h2: Http2SecureServer = createSecureServer({ key, cert, allowHTTP1: true }, (req, res) => {
      req.resume();
      req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); });
    });
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', () => r()));
    closers.push(() => h2.close());

    // A sidecar in front of the primary, mirroring every GET to the secondary, with some traffic behind it.
    const sidecar: Sidecar = await startSidecar({ primary: [primaryUrl], secondary: secondaryUrl, mirror: { fraction: 1 } });
    closers.push(() => sidecar.stop());
    for (let i = 0; i < 60; i++) {
      await Promise.all([`/users/${i}`, '/products'].map(async (p) => (await request(`${sidecar.addresses.proxy}${p}`)).body.dump()));
    }

    const prom = await prometheus;
    closers.push(() => prom.stop());
    for (const [from, to] of Object.entries({
      '127.0.0.1:8080': primaryUrl,
      '127.0.0.1:8081': secondaryUrl, 'candidate:8080': secondaryUrl, 'staging:8080': secondaryUrl,
      'candidate:8443': `https://127.0.0.1:${(h2.address() as AddressInfo).port}`,
      '127.0.0.1:15000': sidecar.addresses.admin,
      'prometheus:9090': prom.url,
    })) env.hosts.set(from, to);
  }, 180_000);

  afterAll(async () => {
    for (const c of closers.reverse()) await c();
  });

  it('finds the examples, and every skip says why', () => {
    expect(blocks.filter((b) => b.lang === 'sh').length).toBeGreaterThanOrEqual(10);
    for (const b of blocks) {
      const reason = skipReason(b);
      if (reason !== undefined) expect(reason, `${b.doc}:${b.line}: a skipped block needs a reason`).not.toBe('');
    }
    expect(blocks.filter((b) => skipReason(b) !== undefined).length).toBeLessThanOrEqual(2);
  });

  for (const doc of DOCS) {
    const shBlocks = blocks.filter((b) => b.doc === doc && b.lang === 'sh' && skipReason(b) === undefined);
    const commands = shBlocks.flatMap((b) => commandsOf(b)).filter((c) => !isNpmLifecycle(c.text));
    if (commands.length === 0) continue;
    // Docs run side by side (each in its own directory); a doc's commands run in order.
    // Concurrent tests assert with their own context's expect.
    it.concurrent(`${doc}: ${commands.length} shell commands`, async ({ expect }) => {
      const dir = workDir(env);
      copyFileSync(join(certDir, 'ca.pem'), join(dir, 'ca.pem'));
      const failures: string[] = [];
      for (const c of commands) failures.push(...await runCommand(c, dir, env));
      rmSync(dir, { recursive: true, force: true });
      expect(failures).toEqual([]);
    }, 900_000);
  }

  for (const b of blocks.filter((x) => x.lang === 'json' && skipReason(x) === undefined)) {
    it.concurrent(`${b.doc}:${b.line}: the JSON shape is what the command prints`, async ({ expect }) => {
      const output = /^output of "(.+)"$/.exec(b.annotations.find((a) => a.startsWith('output of')) ?? '')?.[1];
      expect(output, `${b.doc}:${b.line}: say which command prints this JSON (<!-- doc-test: output of "COMMAND" -->)`).toBeDefined();
      const optional = (annotation(b, 'optional') ?? '').split(',').map((x) => x.trim()).filter(Boolean);
      const isOptional = (k: string): boolean => optional.some((o) => k === o || k.startsWith(`${o}.`) || k.startsWith(`${o}[]`));
      const dir = workDir(env);
      try {
        let last: Result | undefined;
        for (const c of commandsOf({ ...b, text: output! + '\n', lang: 'sh' })) {
          last = await runShell(rewrite(c.text, env), dir, env);
          expect(last.code, `${c.text}\n${last.stderr}`).toBe(0);
        }
        const actual = JSON.parse(last!.stdout) as unknown;
        const promised = promisedKeys(JSON.parse(b.text)).filter((k) => !isOptional(k));
        expect(promised.length).toBeGreaterThan(3);
        expect(promised.filter((k) => !hasKeyPath(actual, k))).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 300_000);
  }

  for (const b of blocks.filter((x) => x.lang === 'yaml' && skipReason(x) === undefined)) {
    it(`${b.doc}:${b.line}: the YAML is valid for the schema it documents`, () => {
      const schema = annotation(b, 'schema');
      expect(schema, `${b.doc}:${b.line}: say which schema the block documents (<!-- doc-test: schema sidecar|scenario|scenario fragment -->)`).toMatch(/^(sidecar|scenario|scenario fragment|controller)$/);
      const file = annotation(b, 'file');
      if (file) expect(b.text, `${b.doc}:${b.line} must be ${file} as it is`).toBe(readFileSync(join(ROOT, file), 'utf8'));
      const dir = mkdtempSync(join(tmpdir(), 'st-docs-yaml-'));
      try {
        const path = join(dir, 'snippet.yaml');
        // The YAML must parse as written; then hosts are rewritten as for commands.
        const doc = parseYaml(b.text) as Record<string, unknown>;
        if (schema === 'scenario fragment') {
          // A few keys of a scenario: completed with the least a scenario needs.
          writeFileSync(path, JSON.stringify({ target: 'http://127.0.0.1:8081', duration: '1s', load: { executor: 'constant-rate', rate: 1 }, ...doc }));
        } else {
          writeFileSync(path, rewriteHosts(b.text, env));
        }
        if (schema === 'sidecar') expect(() => loadSidecarConfig({ file: path })).not.toThrow();
        else if (schema === 'controller') expect(() => loadControllerConfig({ file: path })).not.toThrow();
        else expect(() => loadScenario(path)).not.toThrow();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

async function runCommand(c: DocCommand, dir: string, env: Env): Promise<string[]> {
  const where = `${c.block.doc}:${c.block.line}`;
  let cmd: string;
  try {
    cmd = rewrite(c.text, env);
  } catch (e) {
    return [`${where}: ${c.text}\n  ${(e as Error).message}`];
  }
  if (annotation(c.block, 'long-running') !== undefined) {
    const r = await runServer(cmd, dir, env);
    if (r.code !== 0 || r.forwarded !== 200) return [`${where}: ${c.text}\n  (ran: ${cmd})\n  exit ${r.code}, forwarded request answered ${r.forwarded}\n  ${r.stderr.slice(-2000)}`];
    return [];
  }
  const want = expectedExits(c);
  const t0 = Date.now();
  const r = await runShell(cmd, dir, env);
  if (process.env.DOCS_TEST_TIMING) process.stderr.write(`${Date.now() - t0} ms  ${cmd}\n`);
  if (r.code === 4 && want.includes(0) && onlyLatencyThresholdsFailed(cmd, r)) return [];
  if (r.code === null || !want.includes(r.code)) return [`${where}: ${c.text}\n  (ran: ${cmd})\n  exit ${r.code}, expected ${want.join(' or ')}\n  stdout: ${r.stdout.slice(-1500)}\n  stderr: ${r.stderr.slice(-2000)}`];
  return [];
}

/**
 * A generate run whose failed thresholds (✗ lines of its summary) are all
 * latency percentiles, or a capacity search whose first trial failed only
 * on latency (`FAIL p99 < 250ms: …` on stderr).
 */
function onlyLatencyThresholdsFailed(cmd: string, out: { stdout: string; stderr: string }): boolean {
  if (/^shadowtwin generate\b/.test(cmd)) {
    const failed = out.stdout.split('\n').filter((l) => l.startsWith('✗ '));
    return failed.length > 0 && failed.every((l) => /^✗ (\/\S* )?p\d+ </.test(l));
  }
  if (/^shadowtwin capacity\b/.test(cmd)) {
    const failed = [...out.stderr.matchAll(/^\s*FAIL (.*?): achieved/gm)].flatMap((m) => m[1]!.split(/,\s*/));
    return failed.length > 0 && failed.every((t) => /^p\d+ </.test(t));
  }
  return false;
}
