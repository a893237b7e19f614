import { formatDuration, parseDuration } from '../common/index.js';
import { FAULT_LIMITS, GENERATOR_FAULT_KINDS, type GeneratorFault, type GeneratorFaultKind } from './faults.js';

/** What the third field of each kind means; kinds missing here take none. */
const PARAM: Partial<Record<GeneratorFaultKind, { field: 'ms' | 'copies' | 'bytes' | 'bytesPerSec'; what: string }>> = {
  delay: { field: 'ms', what: 'a duration' },
  timeout: { field: 'ms', what: 'a duration' },
  abort: { field: 'ms', what: 'a duration' },
  duplicate: { field: 'copies', what: `a whole number of copies from 2 to ${FAULT_LIMITS.copies}` },
  'oversized-header': { field: 'bytes', what: `a whole number of bytes from 1 to ${FAULT_LIMITS.bytes}` },
  'slow-body': { field: 'bytesPerSec', what: `bytes per second, above 0 and at most ${FAULT_LIMITS.bytesPerSec}` },
};

/**
 * `--faults "delay:10%:200ms,timeout:5%:50ms,duplicate:2%:3,abort:1%"`:
 * kind, percentage, then the kind's parameter (a duration, a count or bytes).
 * Returns the faults, or one message listing every problem and how to write it.
 */
export function parseFaultSpec(spec: string): GeneratorFault[] | string {
  const out: GeneratorFault[] = [];
  const problems: string[] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const problem = parsePart(part, out);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) return problems.join('; ');
  if (out.length === 0) return 'no faults given; write them as kind:percent[:parameter], e.g. "delay:10%:200ms,abort:1%"';
  return out;
}

function parsePart(part: string, out: GeneratorFault[]): string | undefined {
  const fields = part.split(':');
  const [kind, pct, param] = fields;
  if (!GENERATOR_FAULT_KINDS.includes(kind as GeneratorFaultKind)) return `unknown fault "${kind}" in "${part}"; kinds: ${GENERATOR_FAULT_KINDS.join(', ')}`;
  const k = kind as GeneratorFaultKind;
  if (fields.length > 3) return `"${part}": too many fields; write ${k}:percent${PARAM[k] ? ':parameter' : ''}`;
  const m = /^(\d+(?:\.\d+)?)%$/.exec(pct ?? '');
  if (!m || Number(m[1]) > 100) return `"${part}": give a percentage from 0% to 100% after the kind, e.g. ${k}:10%`;
  const f: GeneratorFault = { kind: k, percent: Number(m[1]) };
  if (param !== undefined) {
    const p = PARAM[k];
    if (!p) return `"${part}": ${k} takes no parameter; write ${k}:${pct}`;
    if (p.field === 'ms') {
      const ms = parseDuration(param);
      if (ms === undefined || ms > FAULT_LIMITS.ms) return `"${part}": "${param}" must be a duration up to ${formatDuration(FAULT_LIMITS.ms)} (e.g. 200ms, 2s)`;
      f.ms = ms;
    } else {
      const n = /^\d+(?:\.\d+)?$/.test(param) ? Number(param) : NaN;
      const ok = p.field === 'bytesPerSec' ? n > 0 && n <= FAULT_LIMITS.bytesPerSec
        : Number.isInteger(n) && n >= (p.field === 'copies' ? 2 : 1) && n <= FAULT_LIMITS[p.field];
      if (!ok) return `"${part}": "${param}" must be ${p.what}`;
      f[p.field] = n;
    }
  }
  out.push(f);
  return undefined;
}
