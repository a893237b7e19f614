import { ShadowtwinError } from '../../common/index.js';

/** What a run synthesized from the live model needs. */
export interface SynthesisInput {
  service: string;
  /** The secondary's origin. */
  target: string;
  /** Intended rate (req/s). */
  rate: number;
  durationMs: number;
  /** "METHOD route" → share of the recent primary requests (`FleetView.liveMix`). */
  mix: Record<string, number>;
  primary: readonly string[];
}

/** A scenario document and the request records its capture-mix source samples. */
export interface SynthesizedRun {
  scenario: Record<string, unknown>;
  records: Array<Record<string, unknown>>;
}

/** Records drawn per run: route shares are kept to 1/SLOTS. */
const SLOTS = 1_000;

/**
 * A request path for a route template: each parameter (`:id`, `{id}`, `*`)
 * becomes `1`. The live model keeps routes, not paths, so a synthesized run
 * sends one concrete path per route.
 */
export function pathForRoute(route: string): string {
  const p = route.replace(/\/:[^/]+/g, '/1').replace(/\{[^/}]*\}/g, '1').replace(/\/\*+(?=\/|$)/g, '/1');
  return p.startsWith('/') ? p : `/${p}`;
}

/**
 * A constant-rate run whose route mix is the live one: capture records in
 * proportion to each route's share (largest remainder over 1000 slots),
 * sampled by the generator's capture-mix source. Pure: the caller passes
 * the mix from the fleet view.
 */
export function synthesizedRun(i: SynthesisInput): SynthesizedRun {
  const entries = Object.entries(i.mix).filter(([, share]) => share > 0);
  if (entries.length === 0) {
    throw new ShadowtwinError('ST_ERR_CONTROL_RUN_INVALID', `no recent primary traffic for ${i.service} to synthesize a run from; wait for its sidecars' windows, or start the run from a scenario document`);
  }
  const total = entries.reduce((a, [, s]) => a + s, 0);
  const exact = entries.map(([key, s]) => ({ key, n: (s / total) * SLOTS }));
  const counts = exact.map((e) => Math.floor(e.n));
  let left = SLOTS - counts.reduce((a, n) => a + n, 0);
  const order = exact.map((e, k) => ({ k, frac: e.n - Math.floor(e.n) })).sort((a, b) => b.frac - a.frac);
  for (const { k } of order) { if (left <= 0) break; counts[k]!++; left--; }
  const records: Array<Record<string, unknown>> = [];
  exact.forEach((e, k) => {
    const space = e.key.indexOf(' ');
    const method = space > 0 ? e.key.slice(0, space) : 'GET';
    const route = space > 0 ? e.key.slice(space + 1) : e.key;
    for (let n = 0; n < counts[k]!; n++) {
      records.push({ ts: records.length, durationMs: 0, method, path: pathForRoute(route), route, queryKeys: [], status: 200, reqBytes: 0, resBytes: 0, protocol: 'http1' });
    }
  });
  return {
    scenario: {
      name: `${i.service} live mix at ${Math.round(i.rate * 100) / 100} req/s`,
      target: i.target,
      duration: i.durationMs,
      load: { executor: 'constant-rate', rate: i.rate },
      source: { kind: 'capture-mix' },
      primary: [...i.primary],
    },
    records,
  };
}
