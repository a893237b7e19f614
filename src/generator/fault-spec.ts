import { parseDuration } from '../common/index.js';
import { GENERATOR_FAULT_KINDS, type GeneratorFault, type GeneratorFaultKind } from './faults.js';

/**
 * `--faults "delay:10%:200ms,timeout:5%:50ms,duplicate:2%:3,abort:1%"`:
 * kind, percentage, then the kind's parameter (a duration, a count or bytes).
 * Returns the faults or a message saying how to write them.
 */
export function parseFaultSpec(spec: string): GeneratorFault[] | string {
  const out: GeneratorFault[] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [kind, pct, param] = part.split(':');
    if (!GENERATOR_FAULT_KINDS.includes(kind as GeneratorFaultKind)) return `unknown fault "${kind}" in "${part}"; kinds: ${GENERATOR_FAULT_KINDS.join(', ')}`;
    const m = /^(\d+(?:\.\d+)?)%$/.exec(pct ?? '');
    if (!m || Number(m[1]) > 100) return `"${part}": give a percentage after the kind, e.g. ${kind}:10%`;
    const f: GeneratorFault = { kind: kind as GeneratorFaultKind, percent: Number(m[1]) };
    if (param !== undefined) {
      if (kind === 'duplicate') f.copies = Number(param);
      else if (kind === 'oversized-header') f.bytes = Number(param);
      else if (kind === 'slow-body') f.bytesPerSec = Number(param);
      else {
        const ms = parseDuration(param);
        if (ms === undefined) return `"${part}": "${param}" is not a duration`;
        f.ms = ms;
      }
    }
    out.push(f);
  }
  return out;
}
