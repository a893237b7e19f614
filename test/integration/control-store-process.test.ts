import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShadowtwinError } from '../../src/common/index.js';
import { ControllerStore } from '../../src/control/index.js';
import { assertBuilt } from '../helpers/cli.js';
import { childDone } from '../helpers/child-done.js';
import { waitUntil } from '../helpers/wait.js';

const CHILD = fileURLToPath(new URL('../helpers/store-child.mjs', import.meta.url));
const NOBODY = 65534;

function startChild(args: string[], uid?: number): { out: () => string; pid: number; done: Promise<number | null>; kill(sig: NodeJS.Signals): void } {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'], ...(uid === undefined ? {} : { uid, gid: uid }) });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  return { out: () => out, pid: child.pid!, done: childDone(child), kill: (sig) => child.kill(sig) };
}

/** Opens the store in the test process and gives its error code, or undefined. */
function openCode(dir: string): { code?: string; message?: string } {
  try {
    ControllerStore.open({ dataDir: dir }).close();
    return {};
  } catch (e) {
    return { code: (e as ShadowtwinError).code, message: (e as Error).message };
  }
}

describe('controller store across processes', () => {
  let dir: string;
  beforeEach(() => { assertBuilt(); dir = mkdtempSync(join(tmpdir(), 'st-store-proc-')); });
  afterEach(() => {
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const sync of ['full', 'normal'] as const) {
    it(`kill -9 mid-stream loses no acknowledged batch (synchronous=${sync}); the lock refuses a second process while it runs and is free after`, async () => {
      const writer = startChild(['write', dir, sync]);
      await waitUntil(() => /ready \d+/.test(writer.out()), 'the writer opened the store');
      // A second controller on the same directory is refused, naming the holder.
      const second = openCode(dir);
      expect(second.code).toBe('ST_ERR_STORE_LOCKED');
      expect(second.message).toContain(`pid ${writer.pid}`);
      const other = startChild(['open', dir]);
      expect(await other.done).toBe(3);
      expect(JSON.parse(other.out())).toMatchObject({ code: 'ST_ERR_STORE_LOCKED' });

      await waitUntil(() => (writer.out().match(/^ack /gm)?.length ?? 0) >= 300, 'the writer acknowledged 300 batches', 20_000);
      writer.kill('SIGKILL');
      await writer.done;
      const acked = [...writer.out().matchAll(/^ack (\d+)$/gm)].map((m) => Number(m[1]));
      expect(acked.length).toBeGreaterThanOrEqual(300);

      const store = ControllerStore.open({ dataDir: dir }); // the lock went with the killed process
      try {
        const windows = store.rawWindows('kill', { from: 0, to: Number.MAX_SAFE_INTEGER, limit: 10_000_000 });
        const starts = new Map<number, number>();
        for (const w of windows) starts.set(w.start, (starts.get(w.start) ?? 0) + 1);
        const events = new Set(store.eventsSince(0, 10_000_000).map((e) => (e.payload as { n: number }).n));
        const missing = acked.filter((n) => starts.get(n * 1000) !== 2 || !events.has(n));
        expect(missing).toEqual([]);
        // Nothing half-stored: every batch that made it has both its windows.
        expect([...starts.values()].every((c) => c === 2)).toBe(true);
        expect(store.health().ok).toBe(true);
      } finally {
        store.close();
      }
    }, 60_000);
  }

  it('a read-only data directory is ST_ERR_STORE_UNWRITABLE (checked as an unprivileged user: root ignores permissions)', async () => {
    ControllerStore.open({ dataDir: dir }).close();
    chmodSync(join(dir, 'controller.db'), 0o444);
    chmodSync(dir, 0o555);
    const asRoot = process.getuid?.() === 0;
    const run = startChild(['open', dir], asRoot ? NOBODY : undefined);
    expect(await run.done).toBe(3);
    const res = JSON.parse(run.out()) as { code: string; message: string };
    expect(res.code).toBe('ST_ERR_STORE_UNWRITABLE');
    expect(res.message).toMatch(/cannot be written|cannot create|readonly|read-only/i);
  });
});
