import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMMITTED = join(ROOT, 'src/control/grpc/generated');
let tmp: string | undefined;

afterEach(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); tmp = undefined; });

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

describe('generated gRPC code', () => {
  it('is what scripts/gen-proto.sh makes from proto/ today (regenerate and commit when a .proto changes)', () => {
    tmp = mkdtempSync(join(tmpdir(), 'st-proto-'));
    const gen = spawnSync('bash', [join(ROOT, 'scripts/gen-proto.sh'), tmp], { encoding: 'utf8' });
    if (gen.status !== 0) {
      throw new Error(`scripts/gen-proto.sh failed (exit ${gen.status}): ${gen.stderr.trim()}`
        + (gen.status === 3 ? '' : '\nprotoc comes from scripts/install-test-deps.sh (apt-get install -y protobuf-compiler)'));
    }
    const fresh = files(tmp);
    const committed = files(COMMITTED);
    expect([...committed.keys()].sort(), 'the generated files: run `bash scripts/gen-proto.sh` and commit src/control/grpc/generated').toEqual([...fresh.keys()].sort());
    expect(fresh.size).toBeGreaterThanOrEqual(7);
    for (const [name, text] of fresh) {
      expect(committed.get(name) === text, `${name} differs from what proto/ generates: run \`bash scripts/gen-proto.sh\` and commit src/control/grpc/generated`).toBe(true);
    }
  });
});
