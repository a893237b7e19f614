/**
 * Every command that reads a user's file, fed hostile files through the real
 * CLI: random bytes, random JSON, a valid document with fields dropped or
 * retyped, a truncated gzip, an empty file. Each must end with a documented
 * exit code (0, 2, 3 or 4) and a one-line message, never a stack trace,
 * ST_ERR_INTERNAL or an out-of-memory abort. Inputs come from a fixed
 * fast-check seed, so a failure names a reproducible case.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'st-cli-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PER_COMMAND = Number(process.env.FUZZ_CLI_CASES ?? 6);
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);

const CAPTURE = [
  '{"shadowtwin":"capture","version":1,"mode":"meta"}',
  ...Array.from({ length: 30 }, (_, i) => JSON.stringify({ ts: 1_709_251_200_000 + i * 1000, durationMs: 2 + (i % 5), method: i % 4 ? 'GET' : 'POST', path: `/items/${i}`, route: '/items/:id', status: i % 9 ? 200 : 500, reqBytes: 10, resBytes: 100 + i })),
].join('\n');
const CLF = Array.from({ length: 30 }, (_, i) => `10.0.0.${i % 7} - - [01/Mar/2024:00:${String(i).padStart(2, '0')}:00 +0000] "GET /blog/post-${i % 5}.html HTTP/1.1" 200 ${500 + i} "-" "Mozilla/5.0 Firefox/120.0"`).join('\n');
const CSV = ['timestamp,value', ...Array.from({ length: 60 }, (_, i) => `2024-03-01 ${String(Math.floor(i / 12)).padStart(2, '0')}:${String((i % 12) * 5).padStart(2, '0')}:00,${10 + (i % 7)}`)].join('\n');
const REPORT = JSON.stringify({ kind: 'shadowtwin.run-report', version: 1, meta: { scenario: 's', target: 'http://127.0.0.1:1', startedAt: 0, durationMs: 1000 }, total: { requests: 1 }, routes: [] });
const COST = JSON.stringify({ kind: 'shadowtwin.cost-model', version: 1, costs: { 'GET /a': 0.01 }, base: 0.1, r2: 0.9, samples: 20 });

/** A valid text with random damage: a cut, a span of noise, a doubled span. */
function damaged(valid: string): fc.Arbitrary<Buffer> {
  return fc.tuple(fc.nat(), fc.nat(), fc.uint8Array({ maxLength: 40 }), fc.constantFrom('cut', 'noise', 'dup')).map(([a, b, noise, op]) => {
    const s = Buffer.from(valid);
    const i = a % (s.length + 1);
    const j = Math.min(s.length, i + (b % 200));
    if (op === 'cut') return s.subarray(0, i);
    if (op === 'noise') return Buffer.concat([s.subarray(0, i), Buffer.from(noise), s.subarray(j)]);
    return Buffer.concat([s.subarray(0, j), s.subarray(i)]);
  });
}

/** Structurally valid JSON with a key dropped or retyped. */
function retyped(valid: string): fc.Arbitrary<Buffer> {
  const obj = JSON.parse(valid) as Record<string, unknown>;
  const keys = Object.keys(obj);
  return fc.tuple(fc.constantFrom(...keys), fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 }))).map(([k, v]) => {
    const o: Record<string, unknown> = { ...obj };
    if (v === undefined) delete o[k]; else o[k] = v;
    return Buffer.from(JSON.stringify(o));
  });
}

function inputs(valid: string, json: boolean): Buffer[] {
  const arb = fc.oneof(
    damaged(valid),
    fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
    fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v))),
    ...(json ? [retyped(valid)] : []),
  );
  const gz = gzipSync(valid);
  return [Buffer.alloc(0), gz.subarray(0, Math.floor(gz.length / 2)), ...fc.sample(arb, { seed: SEED, numRuns: PER_COMMAND })];
}

let n = 0;
function file(content: Buffer, ext: string): string {
  const f = join(dir, `case-${n++}${ext}`);
  writeFileSync(f, content);
  return f;
}

async function expectHandled(args: string[]): Promise<void> {
  const run = runCli(args);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 20_000);
  const code = await run.exit;
  clearTimeout(timer);
  const err = run.stderr();
  const context = `shadowtwin ${args.join(' ')}\nexit ${code}\n${err.slice(0, 2000)}`;
  expect([0, 2, 3, 4], context).toContain(code);
  expect(err, context).not.toMatch(/ST_ERR_INTERNAL|\n\s+at [^\n]+:\d+:\d+\)?\n|heap out of memory/);
  if (code !== 0) expect(err.trim().length, context).toBeGreaterThan(0);
}

interface Case { name: string; valid: string; json: boolean; ext: string; args: (f: string) => string[] }
const CASES: Case[] = [
  { name: 'profile build (capture)', valid: CAPTURE, json: false, ext: '.ndjson', args: (f) => ['profile', 'build', f, '-o', join(dir, `m-${n}.json`)] },
  { name: 'profile build (combined log)', valid: CLF, json: false, ext: '.log', args: (f) => ['profile', 'build', '--format', 'combined', f, '-o', join(dir, `m-${n}.json`)] },
  { name: 'profile build (nginx JSON)', valid: '{"time_iso8601":"2024-03-01T00:00:01+00:00","request":"GET /a HTTP/1.1","status":200,"body_bytes_sent":5}', json: true, ext: '.json', args: (f) => ['profile', 'build', '--format', 'nginx-json', f, '-o', join(dir, `m-${n}.json`)] },
  { name: 'profile show', valid: JSON.stringify({ kind: 'shadowtwin.request-model', version: 1, routes: [] }), json: true, ext: '.json', args: (f) => ['profile', 'show', f] },
  { name: 'forecast --input CSV', valid: CSV, json: false, ext: '.csv', args: (f) => ['forecast', '--input', f, '--horizon', '1h', '--json'] },
  { name: 'compare', valid: REPORT, json: true, ext: '.json', args: (f) => ['compare', f, f] },
  { name: 'report merge', valid: REPORT, json: true, ext: '.json', args: (f) => ['report', 'merge', f, f, '-o', join(dir, `r-${n}.json`)] },
  { name: 'cost project', valid: COST, json: true, ext: '.json', args: (f) => ['cost', 'project', f, '--rate', '100', '--mix', 'GET /a=1'] },
];

describe('hostile files through the real CLI end in a documented exit code and a message', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const cases = inputs(c.valid, c.json);
      // Two at a time: the machine has two cores.
      for (let i = 0; i < cases.length; i += 2) {
        await Promise.all(cases.slice(i, i + 2).map((content) => expectHandled(c.args(file(content, c.ext)))));
      }
    }, 120_000);
  }
});
