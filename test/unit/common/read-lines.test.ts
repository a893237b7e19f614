import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readLineBatches } from '../../../src/common/capture-reader.js';

async function lines(file: string): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of readLineBatches(file)) out.push(...batch);
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'st-lines-'));

describe('readLineBatches', () => {
  it('returns the lines exactly, across read chunks: multi-byte UTF-8 on chunk boundaries, CRLF, empty lines, no final newline', async () => {
    // Lines of varied length so that multi-byte characters (2, 3 and 4 bytes) fall on many
    // 256 KiB chunk boundaries; some lines are empty, some end in CRLF, one is longer than a chunk.
    const expected: string[] = [];
    let i = 0;
    let bytes = 0;
    while (bytes < 3 * 1024 * 1024) {
      const kind = i % 7;
      const line = kind === 3 ? '' : `${i} ${'x'.repeat(i % 97)} é ${'€'.repeat(i % 5)} 😀 /caf\u00e9?q=${i}`;
      expected.push(line);
      bytes += Buffer.byteLength(line) + 1;
      i++;
      if (i === 5000) { const long = 'L'.repeat(300 * 1024) + 'ü'; expected.push(long); bytes += long.length + 2; }
    }
    const body = expected.map((l, k) => (k % 11 === 5 ? `${l}\r\n` : `${l}\n`)).join('') + 'last line without newline ✓';
    expected.push('last line without newline ✓');
    const file = join(dir, 'utf8.log');
    writeFileSync(file, body);
    const got = await lines(file);
    expect(got.length).toBe(expected.length);
    // Compare all, reporting the first difference (toEqual on 20k lines prints unreadably).
    const firstBad = got.findIndex((l, k) => l !== expected[k]);
    expect(firstBad).toBe(-1);

    const gz = join(dir, 'utf8.log.gz');
    writeFileSync(gz, gzipSync(body));
    expect(await lines(gz)).toEqual(got);
  });

  it('pure ASCII input and a file that is only newlines', async () => {
    const a = join(dir, 'ascii.log');
    writeFileSync(a, 'GET /a\nGET /b\r\n\nGET /c\n');
    expect(await lines(a)).toEqual(['GET /a', 'GET /b', '', 'GET /c']);
    const n = join(dir, 'newlines.log');
    writeFileSync(n, '\n\n\n');
    expect(await lines(n)).toEqual(['', '', '']);
  });
});
