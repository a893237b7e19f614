import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ShadowtwinError } from '../common/index.js';
import type { ForecastEvent } from './forecast.js';

/** Reads a YAML (or JSON) calendar of `{ name, start, end, multiplier }` events (a list, or `{ events: [...] }`). */
export function readEventCalendar(file: string): ForecastEvent[] {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `cannot read events calendar ${file}: ${(cause as Error).message}`, { cause });
  }
  const list = Array.isArray(doc) ? doc : (doc as { events?: unknown[] })?.events;
  if (!Array.isArray(list)) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file}: expected a list of { name, start, end, multiplier }`);
  return list.map((e, i) => {
    const ev = e as { name?: string; start?: string; end?: string; multiplier?: number };
    const start = Date.parse(String(ev.start));
    const end = Date.parse(String(ev.end));
    if (Number.isNaN(start) || Number.isNaN(end) || !(end > start) || typeof ev.multiplier !== 'number') {
      throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${file}: event ${i + 1} needs name, start and end (ISO times, end after start) and a numeric multiplier`);
    }
    return { name: ev.name ?? `event-${i + 1}`, start, end, multiplier: ev.multiplier };
  });
}

