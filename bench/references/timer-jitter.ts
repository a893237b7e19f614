// The machine's timer jitter, the reference for the generator's schedule lag:
// a bare process (no sockets, no work) pacing arrivals at RATE per second for
// SECONDS with the generator's own pacer (src/generator/load-run.ts: a timer
// until PRECISE_MS before the arrival, then futex sleeps of at most
// SLEEP_SLICE_MS with an event-loop turn between them) and recording how late
// each arrival was seen. Whatever lateness this process shows is the
// machine's (steal time, other processes, timer slack), not the generator's.
// Prints {samples, p50, p90, p99, max} in ms as one JSON line.
const rate = Number(process.argv[2]);
const seconds = Number(process.argv[3]);
if (!(rate > 0) || !(seconds > 0)) throw new Error('usage: timer-jitter.js RATE SECONDS');

const PRECISE_MS = 2;
const SLEEP_SLICE_MS = 0.25;
const SLEEP_OVERSHOOT_MS = 0.1;
const CELL = new Int32Array(new SharedArrayBuffer(4));

const interval = 1000 / rate;
const total = Math.round(rate * seconds);
const lags = new Float64Array(total);
let index = 0;
let t0 = 0;

function tick(): void {
  let now = performance.now() - t0;
  for (; index < total && index * interval <= now; now = performance.now() - t0) {
    lags[index] = now - index * interval;
    index++;
  }
  if (index >= total) return finish();
  const wait = index * interval - now;
  if (wait > PRECISE_MS) setTimeout(tick, wait - PRECISE_MS);
  else {
    if (wait > SLEEP_OVERSHOOT_MS) Atomics.wait(CELL, 0, 0, Math.min(wait - SLEEP_OVERSHOOT_MS, SLEEP_SLICE_MS));
    setImmediate(tick);
  }
}

function finish(): void {
  const s = Array.from(lags).sort((a, b) => a - b);
  const q = (p: number): number => Math.round(s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]! * 1000) / 1000;
  process.stdout.write(JSON.stringify({ samples: s.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: q(1) }) + '\n');
}

t0 = performance.now();
tick();
