import { readFileSync } from 'node:fs';

function readVersion(): string {
  // Works from src/ (vitest) and dist/src/ (built): walk up to package.json.
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'shadowtwin' && pkg.version) return pkg.version;
    } catch { /* try the next level */ }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
