import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { checkRunReport, parseJsonText, readHistogramDump, ShadowtwinError, type HistogramDump, type RunReport } from '../common/index.js';
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
  let text: string;
  try {
    if (live) {
      const res = await request(new URL('/histograms', where), { headers: token ? { authorization: `Bearer ${token}` } : {} });
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      text = await res.body.text();
    } else {
      text = readFileSync(where, 'utf8');
    }
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    if (live) throw new ShadowtwinError('ST_ERR_SOURCE_UNREACHABLE', `cannot read ${where}/histograms: ${why}; check that the sidecar's admin port is reachable`, { cause });
    throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `cannot read ${where}: ${why}`, { cause });
  }
  doc = parseJsonText(text, where, 'a run report (shadowtwin generate --out) or a sidecar histogram dump (admin /histograms)');
  const kind = (doc as { kind?: string })?.kind;
  if (kind === 'shadowtwin.run-report') {
    const report = checkRunReport(doc, where);
    if (fragment !== undefined) {
      throw new ShadowtwinError('ST_ERR_USAGE', `${where} is a run report: it holds one run, not a primary and a secondary side; compare two runs (shadowtwin compare base.json candidate.json), or give a sidecar /histograms dump, which holds both`);
    }
    return sideFromReport(report, spec);
  }
  if (kind === 'shadowtwin.histograms') {
    if (fragment !== undefined && fragment !== 'primary' && fragment !== 'secondary') throw new ShadowtwinError('ST_ERR_USAGE', `${spec}: a histogram dump has the sides #primary and #secondary, not #${fragment}`);
    const which = fragment === 'secondary' ? 'secondary' : 'primary';
    return sideFromDump(readHistogramDump(doc, where), which, `${where}#${which}`);
  }
  throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${where} is neither a run report (shadowtwin generate --out) nor a sidecar histogram dump (admin /histograms): its kind is ${JSON.stringify(kind)}`);
}
