import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds used so far by a process, all threads, user + kernel, from the
 * scheduler's nanosecond run-time (/proc/PID/task/TID/schedstat). Tick-based
 * utime/stime are too coarse for short runs.
 */
export function cpuSeconds(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try { ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]); } catch { /* thread exited */ }
  }
  return ns / 1e9;
}

export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Samples RSS every `everyMs` until stopped; returns the peak. */
export function rssSampler(pid: number, everyMs = 500): { stop(): number } {
  let peak = rssBytes(pid);
  const t = setInterval(() => { try { peak = Math.max(peak, rssBytes(pid)); } catch { /* exited */ } }, everyMs);
  return { stop: () => { clearInterval(t); return peak; } };
}
