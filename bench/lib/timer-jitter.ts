import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Jitter { samples: number; p50: number; p90: number; p99: number; max: number }

const SCRIPT = fileURLToPath(new URL('../references/timer-jitter.js', import.meta.url));

/**
 * Starts the bare timer-jitter process (`bench/references/timer-jitter.ts`)
 * at `rate` arrivals/s for `seconds`; resolves with its lateness percentiles.
 * Start it alongside the run it is the reference for: both then see the same
 * moment of the machine (steal time comes and goes within seconds).
 */
export function timerJitter(rate: number, seconds: number): Promise<Jitter> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, String(rate), String(seconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`timer-jitter process failed (${code}): ${err}`));
      try { resolve(JSON.parse(out) as Jitter); } catch { reject(new Error(`timer-jitter process printed no result: ${out}${err}`)); }
    });
  });
}
