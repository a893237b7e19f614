import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { ShadowtwinError } from '../common/index.js';
import type { HistogramDump } from '../proxy/index.js';
import type { RunReport } from '../generator/index.js';
import type { Side } from './compare.js';

export function sideFromReport(r: RunReport, label = 'run'): Side {
  return { label, durationMs: r.meta.durationMs, routes: r.histograms.routes };
}

export function sideFromDump(d: HistogramDump, which: 'primary' | 'secondary', label: string = which): Side {
  return { label, durationMs: Math.max(1, d.end - d.start), routes: d[which] };
}

/**
 * `FILE` (run report or sidecar histogram dump; a dump means its primary),
 * `FILE#secondary` / `FILE#primary`, or `http(s)://admin-host:port#side`
 * (a live sidecar's /histograms).
 */
export async function loadSide(spec: string, token?: string): Promise<Side> {
  const [where, fragment] = spec.split('#') as [string, string | undefined];
  const live = /^https?:\/\//.test(where);
  let doc: unknown;
  try {
    if (live) {
      const res = await request(new URL('/histograms', where), { headers: token ? { authorization: `Bearer ${token}` } : {} });
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      doc = await res.body.json();
    } else {
      doc = JSON.parse(readFileSync(where, 'utf8'));
    }
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    if (live) throw new ShadowtwinError('ST_ERR_SOURCE_UNREACHABLE', `cannot read ${where}/histograms: ${why}; check that the sidecar's admin port is reachable`, { cause });
    if (cause instanceof SyntaxError) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${where} is not JSON; give a run report or a /histograms dump`, { cause });
    throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `cannot read ${where}: ${why}`, { cause });
  }
  const kind = (doc as { kind?: string })?.kind;
  if (kind === 'shadowtwin.run-report') return sideFromReport(doc as RunReport, spec);
  if (kind === 'shadowtwin.histograms') {
    const which = fragment === 'secondary' ? 'secondary' : 'primary';
    return sideFromDump(doc as HistogramDump, which, `${where}#${which}`);
  }
  throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${where} is neither a run report (shadowtwin generate --out) nor a sidecar histogram dump (admin /histograms)`);
}
