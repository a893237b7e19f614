/**
 * Components meet through the contracts in src/common, not through each
 * other's internals: the scaler, generator, profiler and forecast never
 * import the sidecar (src/proxy), and common imports no component at all.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.ts$/.test(e.name) ? [p] : [];
  });
}

/** The src/ folders a file imports from (static imports, re-exports and dynamic imports of relative paths). */
function importedComponents(file: string): Array<{ spec: string; component: string }> {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.map((spec) => ({ spec, component: relative(SRC, resolve(dirname(file), spec)).split(/[\\/]/)[0]! }));
}

function offenders(components: readonly string[], forbidden: (component: string) => boolean): string[] {
  return components.flatMap((c) => sources(join(SRC, c)).flatMap((f) => importedComponents(f)
    .filter((i) => forbidden(i.component))
    .map((i) => `${relative(SRC, f)} imports ${i.spec}`)));
}

describe('component boundaries', () => {
  it('finds the imports it looks for (the check can fail)', () => {
    const proxyUsers = sources(join(SRC, 'cli')).flatMap(importedComponents).filter((i) => i.component === 'proxy');
    expect(proxyUsers.length).toBeGreaterThan(0);
  });

  it('scaler, generator, profiler and forecast do not import src/proxy', () => {
    expect(offenders(['scaler', 'generator', 'profiler', 'forecast'], (c) => c === 'proxy')).toEqual([]);
  });

  it('common imports no component (every document they share is declared in common/contracts)', () => {
    expect(offenders(['common'], (c) => c !== 'common')).toEqual([]);
  });
});
