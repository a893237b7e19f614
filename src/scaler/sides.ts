import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { parseJsonText, ShadowtwinError } from '../common/index.js';
import type { HistogramDump } from '../proxy/index.js';
import { checkRunReport, type RunReport } from '../generator/index.js';
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
    return sideFromDump(checkDump(doc, where), which, `${where}#${which}`);
  }
  throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${where} is neither a run report (shadowtwin generate --out) nor a sidecar histogram dump (admin /histograms): its kind is ${JSON.stringify(kind)}`);
}

/** A sidecar /histograms dump with every part the comparison reads, or ST_ERR_INPUT_FORMAT naming what is missing. */
function checkDump(doc: unknown, where: string): HistogramDump {
  const d = doc as Partial<HistogramDump>;
  if (d.version !== 1) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${where} is a histogram dump of version ${JSON.stringify(d.version)}; this shadowtwin reads version 1 only`);
  const missing: string[] = [];
  if (typeof d.start !== 'number' || !Number.isFinite(d.start)) missing.push('start');
  if (typeof d.end !== 'number' || !Number.isFinite(d.end)) missing.push('end');
  for (const side of ['primary', 'secondary'] as const) {
    const rows = d[side] as unknown;
    if (!Array.isArray(rows)) { missing.push(side); continue; }
    rows.forEach((row: Record<string, unknown> | null, i) => {
      if (typeof row !== 'object' || row === null || typeof row.route !== 'string' || typeof row.method !== 'string' || typeof row.histogram !== 'string' || typeof row.requests !== 'number' || typeof row.errors !== 'number') {
        missing.push(`${side}[${i}] (route, method, requests, errors, histogram)`);
      }
    });
  }
  if (missing.length) throw new ShadowtwinError('ST_ERR_INPUT_FORMAT', `${where}: histogram dump is missing or has malformed ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ` and ${missing.length - 8} more` : ''}`);
  return d as HistogramDump;
}
