import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandsOf, expectedExits, extractBlocks, hasKeyPath, isNpmLifecycle, promisedKeys, skipReason } from '../../helpers/doc-blocks.js';

function blocksOf(md: string) {
  const dir = mkdtempSync(join(tmpdir(), 'st-docblocks-'));
  writeFileSync(join(dir, 'x.md'), md);
  return extractBlocks(join(dir, 'x.md'), 'x.md');
}

describe('doc block extraction (docs-examples harness)', () => {
  it('joins continuations, strips comments outside quotes, splits && outside quotes', () => {
    const [b] = blocksOf([
      'text',
      '```sh',
      'shadowtwin generate --target http://c:8080 \\',
      '  --threshold "p99 < 300ms" --out r.json   # a comment',
      "shadowtwin compare http://h:15000#primary 'a # b' && shadowtwin profile show m.json  # x && y",
      'npm ci && npm start     # demo',
      '```',
    ].join('\n'));
    expect(commandsOf(b!).map((c) => c.text)).toEqual([
      'shadowtwin generate --target http://c:8080 --threshold "p99 < 300ms" --out r.json',
      "shadowtwin compare http://h:15000#primary 'a # b'",
      'shadowtwin profile show m.json',
      'npm ci',
      'npm start',
    ]);
    expect(commandsOf(b!).filter((c) => !isNpmLifecycle(c.text))).toHaveLength(3);
  });

  it('reads the annotation right before a fence, and only sh, json and yaml blocks', () => {
    const blocks = blocksOf([
      '<!-- doc-test: skip (needs a cluster) -->',
      '```sh',
      'kubectl apply -f x.yaml',
      '```',
      '```json',
      '{}',
      '```',
      '```text',
      'not extracted',
      '```',
      '<!-- doc-test: exit 0|4 for "compare" (a verdict); exit 4 for "diff" -->',
      '',
      '```sh',
      'shadowtwin compare a.json b.json',
      'shadowtwin profile diff a.json b.json',
      'shadowtwin profile show a.json',
      '```',
      '```yaml',
      'a: 1',
      '```',
    ].join('\n'));
    expect(blocks.map((b) => b.lang)).toEqual(['sh', 'json', 'sh', 'yaml']);
    expect(skipReason(blocks[0]!)).toBe('needs a cluster');
    expect(skipReason(blocks[2]!)).toBeUndefined();
    expect(commandsOf(blocks[2]!).map(expectedExits)).toEqual([[0, 4], [4], [0]]);
    expect(blocks[3]!.annotations).toEqual([]);
  });

  it('refuses an unterminated block', () => {
    expect(() => blocksOf('```sh\nshadowtwin x\n')).toThrow(/unterminated/);
  });

  it('reads the keys a documented JSON shape promises, and finds them in an output', () => {
    const shape = { kind: 'x', routes: [{ route: '/a', status: { '200': 0 } }], summary: { outcomes: { '2xx': 0 }, lagMs: { '...': 'same' } }, series: [] };
    expect(promisedKeys(shape)).toEqual(['kind', 'routes', 'routes[].route', 'routes[].status', 'summary', 'summary.outcomes', 'summary.lagMs', 'series']);
    const out = { kind: 'x', routes: [{ route: '/b', status: { '404': 1 } }], summary: { outcomes: {}, lagMs: { p50: 1 } }, series: [1, 2] };
    expect(promisedKeys(shape).filter((k) => !hasKeyPath(out, k))).toEqual([]);
    expect(hasKeyPath({ routes: [{ method: 'GET' }] }, 'routes[].route')).toBe(false);
    expect(hasKeyPath({ routes: [] }, 'routes[].route')).toBe(true);
    expect(hasKeyPath({ a: { b: null } }, 'a.b.c')).toBe(false);
  });
});
