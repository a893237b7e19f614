/**
 * Merging encoded HDR histograms (the controller's main CPU cost): the
 * direct reader (`addEncodedHistogram`, what decodeHistogram,
 * mergeHistograms and RouteStats.add use) vs hdr-histogram-js's decode +
 * add (what they did before: `JsHistogram.decode(decompress(base64))`,
 * copied into a standard histogram, added), measured in the same run on the
 * same payloads, rounds interleaved, CPU time (process.cpuUsage).
 * Payloads: realistic sidecar windows, 200 pods × 20 routes, each route
 * 50–5,000 samples (log-uniform) of 0.5–500 ms latencies (log-normal, plus
 * a slow tail), merged per route across the fleet as a fleet-second rollup
 * does. Both merges must end with identical histograms (checked).
 *
 * BENCH_HISTOGRAM_ROUNDS: interleaved rounds of each (default 5; ~10 s).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { addEncodedHistogram, createHistogram, encodeHistogram, HistogramRecorder, type Histogram } from '../src/common/index.js';
import { decompress, JsHistogram } from '../src/common/hdr-library.js';
import { checksTable, median, table, type Check } from './lib/table.js';

const ROUNDS = Number(process.env.BENCH_HISTOGRAM_ROUNDS ?? 5);
const PODS = 200;
const ROUTES = 20;

/** The fleet-second: per route, the 200 pods' encoded window histograms. */
function fleetSecond(): string[][] {
  let x = 12345;
  const rnd = (): number => ((x = (x * 1103515245 + 12345) % 2147483648) + 0.5) / 2147483648;
  const normal = (): number => Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd());
  const routes: string[][] = [];
  for (let r = 0; r < ROUTES; r++) {
    const medianMs = 0.5 * 200 ** (r / (ROUTES - 1)); // medians 0.5 ms … 100 ms across routes
    const pods: string[] = [];
    for (let p = 0; p < PODS; p++) {
      const samples = Math.round(50 * 100 ** rnd()); // 50 … 5,000
      const rec = new HistogramRecorder();
      for (let i = 0; i < samples; i++) {
        const ms = rnd() < 0.01 ? 100 + 400 * rnd() : medianMs * Math.exp(0.6 * normal());
        rec.record(Math.max(1, Math.round(Math.min(500, Math.max(0.5, ms)) * 1000)));
      }
      pods.push(encodeHistogram(rec.toHistogram()));
    }
    routes.push(pods);
  }
  return routes;
}

/** decodeHistogram + add as they were: the library's decode, into a standard histogram, added. */
function libraryAdd(target: Histogram, encoded: string): void {
  const decoded = JsHistogram.decode(decompress(new Uint8Array(Buffer.from(encoded.trim(), 'base64'))), 64, 0);
  const h = createHistogram();
  h.add(decoded);
  target.add(h);
}

// A full GC before each measured merge, so neither is billed for the other's garbage
// (the library's path leaves ~100 KB of counts arrays per histogram; collecting them
// outside its timing favours the reference, never the direct reader).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (() => void) | undefined;

function mergeFleet(routes: string[][], add: (t: Histogram, e: string) => void): { merged: Histogram[]; cpuUs: number } {
  gc?.();
  const c0 = process.cpuUsage();
  const merged = routes.map((pods) => {
    const t = createHistogram();
    for (const e of pods) add(t, e);
    return t;
  });
  const c = process.cpuUsage(c0);
  return { merged, cpuUs: c.user + c.system };
}

export async function benchHistogram(): Promise<{ markdown: string; checks: Check[] }> {
  const routes = fleetSecond();
  const n = PODS * ROUTES;
  const bytes = routes.flat().reduce((s, e) => s + e.length, 0);
  // Warm both paths (JIT) before measuring.
  mergeFleet(routes.slice(0, 2), addEncodedHistogram);
  mergeFleet(routes.slice(0, 2), libraryAdd);
  const fast: number[] = [];
  const ref: number[] = [];
  let identical = true;
  for (let round = 0; round < ROUNDS; round++) {
    const a = mergeFleet(routes, addEncodedHistogram);
    const b = mergeFleet(routes, libraryAdd);
    fast.push(a.cpuUs / n);
    ref.push(b.cpuUs / n);
    identical &&= a.merged.every((h, i) => encodeHistogram(h) === encodeHistogram(b.merged[i]!) && h.maxValue === b.merged[i]!.maxValue && h.minNonZeroValue === b.merged[i]!.minNonZeroValue);
    process.stderr.write(`  round ${round + 1}: direct ${fast.at(-1)!.toFixed(1)} µs, library ${ref.at(-1)!.toFixed(1)} µs per histogram\n`);
  }
  const f = median(fast);
  const r = median(ref);
  // Each round's pair ran back to back: the median of their ratios drifts least with the machine's load.
  const ratio = median(fast.map((v, i) => ref[i]! / v));
  const perSecond = n; // one window per pod per second, one histogram per route
  const cores = (us: number): string => `${((us * perSecond) / 1e6).toFixed(3)} core`;
  const checks: Check[] = [
    { name: 'decode + merge, CPU per histogram (median of rounds)', value: `${f.toFixed(1)} µs`, reference: `hdr-histogram-js decode + add ${r.toFixed(1)} µs; median per-round ratio ${ratio.toFixed(1)}×`, target: '≥ 5× faster', pass: ratio >= 5 },
    { name: `merge of ${PODS} pods × ${ROUTES} routes per second (${perSecond} histograms/s)`, value: cores(f), reference: `library ${cores(r)}`, target: '—' },
    { name: 'merged histograms identical (counts, total, min, max) to the library merge', value: identical ? 'yes' : 'NO', target: 'identical', pass: identical },
  ];
  const markdown = [
    checksTable(checks),
    '',
    table(['rounds', 'direct µs/histogram', 'library µs/histogram', 'payloads', 'mean payload'],
      [[ROUNDS, fast.map((v) => v.toFixed(1)).join(', '), ref.map((v) => v.toFixed(1)).join(', '), `${n} (${PODS} pods × ${ROUTES} routes)`, `${Math.round(bytes / n)} base64 chars`]]),
  ].join('\n');
  return { markdown, checks };
}
