import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readCapture, readLineBatches, salvageInto, SkipReport, type InputCutOff } from '../../../src/common/capture-reader.js';
import { readGorPayloads, GOR_SEPARATOR } from '../../../src/profiler/index.js';

async function lines(file: string, onCutOff?: (e: InputCutOff) => void): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of readLineBatches(file, onCutOff)) out.push(...batch);
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

  it('drops a UTF-8 byte-order mark at the start (plain and gzip), and only there', async () => {
    const text = '\uFEFF{"shadowtwin":"capture"}\nGET /a \uFEFF\n';
    const plain = join(dir, 'bom.log');
    writeFileSync(plain, text);
    expect(await lines(plain)).toEqual(['{"shadowtwin":"capture"}', 'GET /a \uFEFF']);
    const gz = join(dir, 'bom.log.gz');
    writeFileSync(gz, gzipSync(text));
    expect(await lines(gz)).toEqual(['{"shadowtwin":"capture"}', 'GET /a \uFEFF']);
    const tiny = join(dir, 'tiny.log');
    writeFileSync(tiny, 'a');
    expect(await lines(tiny)).toEqual(['a']);
  });

  it('a truncated gzip yields the whole lines before the cut and reports it; without a report it is ST_ERR_INPUT_UNREADABLE', async () => {
    const all = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`);
    const gz = gzipSync(all.join('\n') + '\n');
    const cut = join(dir, 'cut.log.gz');
    writeFileSync(cut, gz.subarray(0, Math.floor(gz.length / 2)));
    const events: InputCutOff[] = [];
    const got = await lines(cut, (e) => events.push(e));
    expect(got.length).toBeGreaterThan(1000);
    expect(got).toEqual(all.slice(0, got.length));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ file: cut, lines: got.length, message: expect.stringMatching(/cut\.log\.gz: the gzip data ends early \(unexpected end of file\) after \d+ complete lines and part of one more/) });
    expect(all[got.length]!.startsWith(events[0]!.partial!)).toBe(true);
    await expect(lines(cut)).rejects.toMatchObject({ code: 'ST_ERR_INPUT_UNREADABLE', message: expect.stringMatching(/ends early/) });
    // Through a capture reader: the records before the cut, a `truncated` skip and a warning.
    const capture = join(dir, 'cut.ndjson.gz');
    const recs = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ ts: 1.7e12 + i, method: 'GET', path: `/p/${i}`, status: 200 }));
    const cgz = gzipSync(recs.join('\n') + '\n');
    writeFileSync(capture, cgz.subarray(0, Math.floor(cgz.length * 0.7)));
    const skips = new SkipReport();
    let n = 0;
    for await (const _ of readCapture(capture, skips)) n++;
    expect(n).toBeGreaterThan(1000);
    expect(skips.byReason).toEqual({ truncated: 1 });
    expect(skips.warnings[0]).toContain(capture);
    // GoReplay recordings too.
    const gor = join(dir, 'cut.gor.gz');
    const payloads = Array.from({ length: 3000 }, (_, i) => `1 r${i} ${1.7e18 + i} 0\nGET /o/${i} HTTP/1.1\r\nHost: a\r\n\r\n`);
    const ggz = gzipSync(payloads.join(GOR_SEPARATOR) + GOR_SEPARATOR);
    writeFileSync(gor, ggz.subarray(0, Math.floor(ggz.length * 0.6)));
    const gskips = new SkipReport();
    const read: string[] = [];
    for await (const p of readGorPayloads(gor, salvageInto(gskips))) read.push(p);
    expect(read.length).toBeGreaterThan(100);
    expect(read).toEqual(payloads.slice(0, read.length));
    expect(gskips.warnings[0]).toMatch(/cut\.gor\.gz: the gzip data ends early .* complete payloads/);
  });
});
