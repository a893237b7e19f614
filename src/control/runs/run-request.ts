import { parse as parseYaml } from 'yaml';
import { parseDuration, ShadowtwinError } from '../../common/index.js';
import type { RunStartRequest } from './run-manager.js';

const bad = (message: string): ShadowtwinError => new ShadowtwinError('ST_ERR_CONTROL_RUN_INVALID', message);

const HOW = 'give { "scenario": {…} } (a scenario document), { "service": S, "rate": N } or { "service": S, "forecastMultiple": F } (optionally "target" and "duration")';

/**
 * A start request from its JSON form (the HTTP body; `shadowtwin ctl run
 * start`): exactly one of scenario, rate, forecastMultiple. A scenario may be
 * an object or YAML/JSON text; it is validated when the run is prepared.
 */
export function parseRunStart(body: unknown): RunStartRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad(`the request body must be a JSON object; ${HOW}`);
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !['scenario', 'service', 'rate', 'forecastMultiple', 'target', 'duration'].includes(k));
  if (unknown.length > 0) throw bad(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; ${HOW}`);
  const given = ['scenario', 'rate', 'forecastMultiple'].filter((k) => b[k] !== undefined);
  if (given.length !== 1) throw bad(given.length === 0 ? `nothing to run; ${HOW}` : `give one of ${given.join(', ')}, not both; ${HOW}`);
  if (b.service !== undefined && (typeof b.service !== 'string' || b.service === '')) throw bad('"service" must be a service name');
  const service = b.service as string | undefined;
  if (b.scenario !== undefined) {
    let scenario = b.scenario;
    if (typeof scenario === 'string') {
      try { scenario = parseYaml(scenario); } catch (err) { throw new ShadowtwinError('ST_ERR_SCENARIO_INVALID', `the scenario text is not YAML/JSON: ${(err as Error).message.split('\n')[0]}`); }
    }
    if (typeof scenario !== 'object' || scenario === null || Array.isArray(scenario)) throw new ShadowtwinError('ST_ERR_SCENARIO_INVALID', 'the scenario must be a document (an object with target, duration, load, source)');
    if (b.target !== undefined || b.duration !== undefined) throw bad('"target" and "duration" go inside the scenario document');
    return { scenario, ...(service ? { service } : {}) };
  }
  if (!service) throw bad(`a synthesized run needs "service" (whose live model it follows); ${HOW}`);
  if (b.target !== undefined && typeof b.target !== 'string') throw bad('"target" must be the secondary\'s URL, e.g. http://10.0.0.7:8080');
  let durationMs: number | undefined;
  if (b.duration !== undefined) {
    durationMs = typeof b.duration === 'number' || typeof b.duration === 'string' ? parseDuration(b.duration) : undefined;
    if (durationMs === undefined || durationMs <= 0) throw bad(`duration ${JSON.stringify(b.duration)}: give e.g. "5m" or a number of milliseconds`);
  }
  const extra = { ...(b.target !== undefined ? { target: b.target as string } : {}), ...(durationMs !== undefined ? { durationMs } : {}) };
  const num = (k: string): number => {
    const v = typeof b[k] === 'string' ? Number(b[k]) : b[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw bad(`"${k}" must be a number above 0, got ${JSON.stringify(b[k])}`);
    return v;
  };
  return b.rate !== undefined ? { service, rate: num('rate'), ...extra } : { service, forecastMultiple: num('forecastMultiple'), ...extra };
}
