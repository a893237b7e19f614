import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('examples/ is what scripts/make-examples.mjs makes', () => {
  it('regenerates the synthetic files byte for byte (the excerpts too when ../shared/data is there)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-examples-'));
    execFileSync(process.execPath, [join(ROOT, 'scripts/make-examples.mjs'), dir], { stdio: 'ignore' });
    const read = (base: string, f: string): string => {
      const b = readFileSync(join(base, f));
      return (f.endsWith('.gz') ? gunzipSync(b) : b).toString('utf8');
    };
    const files = ['capture.ndjson', 'access.log.gz', 'cost-samples.ndjson'];
    if (existsSync(join(dir, 'rate.csv'))) files.push('rate.csv', 'counts-per-5min.csv');
    for (const f of files) expect(read(dir, f), f).toBe(read(join(ROOT, 'examples'), f));
    expect(read(dir, 'capture.ndjson').split('\n')[0]).toContain('"shadowtwin":"capture"');
  });
});
