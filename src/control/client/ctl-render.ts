import { textTable, visible } from '../../common/index.js';

/* Renderers of `shadowtwin ctl`: API documents as human text (pure: in → lines). */

const num = (v: unknown, digits = 1): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '-');
const time = (ms: unknown): string => (typeof ms === 'number' && ms > 0 ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');
const str = (v: unknown): string => (v === undefined || v === null || v === '' ? '-' : visible(String(v)));

interface StateService {
  name: string;
  pods?: Array<{ name: string; gone?: boolean; roles?: string[] }>;
  rate?: { current: number | null; forecast: { point: number; lower: number; upper: number; level: number } | null };
  scaling?: { replicas: number | null; lastDecision: { decision?: string; pending?: boolean; replicas?: number } | null };
}

export interface RunRow {
  id: string; service: string; target: string; status: string; intendedRate: number | null; achievedRate: number | null; multiplier: number; started: number;
}

/** `ctl status`: services (pods, rate vs forecast, scaling), then runs. */
export function statusLines(state: { at?: number; services?: StateService[]; runs?: RunRow[] }): string[] {
  const services = state.services ?? [];
  const lines = [`controller state at ${time(state.at)}: ${services.length} service${services.length === 1 ? '' : 's'}`, ''];
  if (services.length > 0) {
    lines.push(...textTable(
      [{ header: 'SERVICE', max: 40 }, { header: 'PODS', align: 'right' }, { header: 'RATE/S', align: 'right' }, { header: 'FORECAST/S' }, { header: 'VS FORECAST', align: 'right' }, { header: 'REPLICAS', align: 'right' }, { header: 'LAST DECISION', max: 30 }],
      services.map((s) => {
        // A pod that only sent generator windows is a load run, not one of the service's pods.
        const pods = (s.pods ?? []).filter((p) => !p.roles || p.roles.some((r) => r !== 'generator'));
        const live = pods.filter((p) => !p.gone).length;
        const f = s.rate?.forecast;
        const cur = s.rate?.current;
        const d = s.scaling?.lastDecision;
        return [
          visible(s.name), `${live}/${pods.length}`, num(cur),
          f ? `${num(f.point)} [${num(f.lower)}–${num(f.upper)}] @${Math.round(f.level * 100)}%` : '-',
          f && typeof cur === 'number' && f.point > 0 ? `${num((cur / f.point) * 100, 0)}%` : '-',
          str(s.scaling?.replicas),
          d ? `${str(d.decision)}${d.pending ? ' (pending)' : ''}${d.replicas !== undefined ? ` → ${d.replicas}` : ''}` : '-',
        ];
      }),
    ));
    lines.push('');
  }
  lines.push(...runsLines(state.runs ?? []));
  return lines;
}

/** `ctl runs` (and the runs part of status). */
export function runsLines(runs: RunRow[]): string[] {
  if (runs.length === 0) return ['no load runs'];
  return textTable(
    [{ header: 'RUN' }, { header: 'SERVICE', max: 30 }, { header: 'STATUS' }, { header: 'TARGET', max: 40, cut: 'middle' }, { header: 'INTENDED/S', align: 'right' }, { header: 'ACHIEVED/S', align: 'right' }, { header: 'FACTOR', align: 'right' }, { header: 'STARTED' }],
    runs.map((r) => [r.id, visible(r.service), r.status, visible(r.target), num(r.intendedRate), num(r.achievedRate), `×${num(r.multiplier, 2)}`, time(r.started)]),
  );
}

/** One event as a line: id, time, kind, service, data. */
export function eventLine(e: { id?: number; at?: number; kind?: string; service?: string; data?: unknown; payload?: unknown }): string {
  const data = e.data ?? e.payload;
  return `#${str(e.id)} ${time(e.at)} ${str(e.kind)}${e.service ? ` ${visible(e.service)}` : ''}${data && Object.keys(data).length ? ` ${visible(JSON.stringify(data))}` : ''}`;
}

interface ListedProposal {
  id: string;
  pending?: boolean;
  record?: { service?: string; decision?: string; proposal?: { target?: string; current?: number; replicas?: number; confidence?: number; expectedRate?: number; reason?: string } };
}

/** `ctl proposals`. */
export function proposalLines(list: ListedProposal[]): string[] {
  if (list.length === 0) return ['no proposals'];
  return textTable(
    [{ header: 'ID' }, { header: 'SERVICE', max: 30 }, { header: 'TARGET', max: 30 }, { header: 'REPLICAS', align: 'right' }, { header: 'RATE/S', align: 'right' }, { header: 'CONFIDENCE', align: 'right' }, { header: 'DECISION' }, { header: 'REASON', max: 60 }],
    list.map((p) => {
      const pr = p.record?.proposal;
      return [
        visible(p.id), str(p.record?.service), str(pr?.target), pr ? `${str(pr.current)} → ${str(pr.replicas)}` : '-', num(pr?.expectedRate),
        typeof pr?.confidence === 'number' ? `${num(pr.confidence * 100, 0)}%` : '-', p.pending ? 'pending' : str(p.record?.decision), str(pr?.reason),
      ];
    }),
  );
}
