import { z } from 'zod';
import type { EncodedRouteStats } from '../route-stats.js';
import { readDocument, type Contract, type Refusal } from './contract.js';
import { fieldList, listed } from './field-list.js';
import { encodedRouteStatsSchema } from './route-stats-schema.js';

export const HISTOGRAMS_KIND = 'shadowtwin.histograms';
export const HISTOGRAMS_VERSION = 1;

/**
 * What a sidecar's admin `/histograms` serves: the per-route stats of both
 * sides since it started (`primary`: the traffic it forwarded; `secondary`:
 * the answers of its mirror target), for `shadowtwin compare` and the
 * control plane. Times are epoch ms.
 */
export interface HistogramDump {
  kind: typeof HISTOGRAMS_KIND;
  version: typeof HISTOGRAMS_VERSION;
  start: number;
  end: number;
  primary: EncodedRouteStats[];
  secondary: EncodedRouteStats[];
}

const epochMs = z.number().int().min(0).max(8.64e15);

export const histogramDumpSchema = z.object({
  kind: z.literal(HISTOGRAMS_KIND),
  version: z.literal(HISTOGRAMS_VERSION),
  start: epochMs,
  end: epochMs,
  primary: z.array(encodedRouteStatsSchema),
  secondary: z.array(encodedRouteStatsSchema),
}).refine((d) => d.end >= d.start, { message: 'end must not be before start', path: ['end'] });

const DESCRIBE = 'a sidecar histogram dump (admin /histograms)';

function refusal(why: Refusal, where: string): string {
  switch (why.kind) {
    case 'not-an-object': return `${where} is not ${DESCRIBE}: it is not a JSON object`;
    case 'other-kind': return `${where} is not ${DESCRIBE}: its kind is ${JSON.stringify(why.found)}, expected "${HISTOGRAMS_KIND}"`;
    case 'version': return `${where} is a histogram dump of version ${JSON.stringify(why.found)}; this shadowtwin reads version ${HISTOGRAMS_VERSION} only`
      + (why.newer ? ': it was written by a newer shadowtwin; upgrade this one' : '');
    case 'shape': return `${where}: histogram dump is missing or has malformed ${listed(fieldList(why.problems))}`;
  }
}

export const HISTOGRAMS_CONTRACT: Contract<HistogramDump> = {
  kind: HISTOGRAMS_KIND,
  version: HISTOGRAMS_VERSION,
  reads: [1],
  describe: DESCRIBE,
  schema: histogramDumpSchema as z.ZodType<HistogramDump>,
  refusal,
};

/** A sidecar /histograms dump read from `where` (a file or a URL), or the ShadowtwinError saying what is wrong. */
export function readHistogramDump(doc: unknown, where: string): HistogramDump {
  return readDocument(HISTOGRAMS_CONTRACT, doc, where);
}
