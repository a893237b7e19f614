import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TelemetryExporter } from '../../src/control/index.js';
import { childDone } from '../helpers/child-done.js';
import { waitUntil } from '../helpers/wait.js';
import { makeWindow } from '../helpers/windows.js';

const CHILD = fileURLToPath(new URL('../helpers/telemetry-receiver-child.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist/src/control/index.js', import.meta.url));
const TOKEN = 'kill-test-token-0123456789';
const children: ChildProcess[] = [];
let tmp: string | undefined;
let exporter: TelemetryExporter | undefined;
let ticker: NodeJS.Timeout | undefined;

afterEach(async () => {
  if (ticker) clearInterval(ticker);
  await exporter?.close(0);
  exporter = undefined;
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) { c.kill('SIGKILL'); await childDone(c); }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Starts the receiver child; resolves with its address once it listens. */
async function startChild(listen: string, file: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [CHILD, listen, file, '60'], { env: { ...process.env, SHADOWTWIN_TEST_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  await waitUntil(() => out.includes('\n') || child.exitCode !== null, 'the receiver child listening');
  if (!out.includes('\n')) throw new Error(`the receiver child exited with ${child.exitCode}`);
  return { child, address: (JSON.parse(out.split('\n')[0]!) as { address: string }).address };
}

describe('TelemetryExporter against a receiver killed mid-stream', () => {
  it('resends the un-acknowledged batches after kill -9 and a restart: none of the buffered windows is lost', async () => {
    if (!existsSync(DIST)) throw new Error('dist/ is missing: run `npm run build` (npm test does it in pretest)');
    tmp = mkdtempSync(join(tmpdir(), 'st-kill-'));
    const file = join(tmp, 'committed.ndjson');
    const first = await startChild('127.0.0.1:0', file);
    exporter = new TelemetryExporter({
      target: first.address, sender: 'shop/shop-1', token: TOKEN,
      flushIntervalMs: 50, maxBatchWindows: 5, maxInFlightBatches: 4, maxBufferedWindows: 1000, backoff: { initialMs: 20, maxMs: 200 },
    });
    const base = Date.now() - 60_000;
    let emitted = 0;
    ticker = setInterval(() => { exporter!.add(makeWindow(base + emitted, emitted, 1)); emitted++; }, 10);

    await waitUntil(() => exporter!.stats().windowsAcked >= 40 && exporter!.stats().unacked >= 2, 'some windows acked and batches in flight');
    const atKill = exporter.stats();
    first.child.kill('SIGKILL');
    expect(await childDone(first.child)).toBe(null);
    await waitUntil(() => exporter!.stats().reconnects >= 2, 'reconnect attempts while the receiver is dead');
    await startChild(first.address, file);
    await waitUntil(() => exporter!.stats().windowsAcked >= atKill.windowsAcked + 40, 'acks again after the restart');
    clearInterval(ticker);
    ticker = undefined;
    await waitUntil(() => exporter!.stats().buffered === 0, 'everything emitted acknowledged');

    const s = exporter.stats();
    expect(s.windows).toBe(emitted);
    expect(s.dropped).toEqual({ buffer_full: 0, too_large: 0, invalid: 0, closed: 0 });
    expect(s.windowsAcked).toBe(emitted);
    expect(s.resent).toBeGreaterThan(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { batch: string; end: number });
    const committed = new Set(lines.map((l) => l.end - base));
    const missing = Array.from({ length: emitted }, (_, i) => i).filter((i) => !committed.has(i));
    expect(missing).toEqual([]);
    // At-least-once: a batch committed by the dead receiver but not acked is committed again (its de-duplication memory died with it).
    expect(lines.length - committed.size).toBeLessThanOrEqual(4 * 5); // at most the in-flight batches (4 of 5 windows)
  });
});
