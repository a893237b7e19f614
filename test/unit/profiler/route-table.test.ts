import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRouteTable } from '../../../src/profiler/index.js';

const dir = mkdtempSync(join(tmpdir(), 'st-routes-'));
const file = (name: string, text: string): string => { const f = join(dir, name); writeFileSync(f, text); return f; };

describe('readRouteTable', () => {
  it('reads OpenAPI 3 YAML paths under the server base path', () => {
    const f = file('a.yaml', ['openapi: "3.1.0"', 'servers:', '  - url: https://api.example.com/v2/', 'paths:', '  /users/{userId}:', '    get: {}', '    parameters: []', '  /users/{userId}/orders:', '    post: {}', '  x-internal: {}', ''].join('\n'));
    expect(readRouteTable(f)).toEqual(['/v2/users/{userId}', '/v2/users/{userId}/orders']);
  });

  it('reads Swagger 2 JSON with basePath, and leaves the base off when a server URL has variables', () => {
    expect(readRouteTable(file('b.json', JSON.stringify({ swagger: '2.0', basePath: '/api', paths: { '/pets/{id}': { get: {} } } })))).toEqual(['/api/pets/{id}']);
    expect(readRouteTable(file('c.json', JSON.stringify({ openapi: '3.0.0', servers: [{ url: 'https://{region}.example.com/{version}' }], paths: { '/pets': { get: {} } } })))).toEqual(['/pets']);
  });

  it('reads a YAML list and plain text with comments', () => {
    expect(readRouteTable(file('d.yaml', '- /a/:id\n- /b\n'))).toEqual(['/a/:id', '/b']);
    expect(readRouteTable(file('e.txt', '# routes\n/a/:id   # items\n\n/b/{x}/c\n'))).toEqual(['/a/:id', '/b/{x}/c']);
  });

  it('fails clearly on entries that are not templates, an OpenAPI file without paths, or a missing file', () => {
    expect(() => readRouteTable(file('f.txt', '/ok\nusers/:id\n'))).toThrow(/must start with "\/": "users\/:id"/);
    expect(() => readRouteTable(file('g.yaml', 'openapi: 3.0.0\ninfo: {}\n'))).toThrow(/OpenAPI document without paths/);
    expect(() => readRouteTable(join(dir, 'missing.yaml'))).toThrow(expect.objectContaining({ code: 'ST_ERR_INPUT_UNREADABLE' }));
  });
});
