import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('shadowtwin forecast (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-fcli-'));
  const csv = join(dir, 'rate.csv');
  const t0 = Date.UTC(2026, 0, 1);
  writeFileSync(csv, 'timestamp,value\n' + Array.from({ length: 10 * 288 }, (_, i) => `${new Date(t0 + i * 300_000).toISOString().slice(0, 19).replace('T', ' ')},${Math.round(80 + 50 * Math.sin((2 * Math.PI * i) / 288) + ((i * 7919) % 17))}`).join('\n'));

  it('--json gives points with lower/upper at the first level and every level under intervals', async () => {
    const r = runCli(['forecast', '--input', csv, '--horizon', '6h', '--level', '0.8,0.95', '--json']);
    expect(await r.exit).toBe(0);
    const out = JSON.parse(r.stdout());
    expect(out.points).toHaveLength(72);
    expect(out.points[0]).toMatchObject({ ts: t0 + 10 * 288 * 300_000, point: expect.any(Number), lower: expect.any(Number), upper: expect.any(Number) });
    expect(out.points[0].lower).toBe(out.points[0].intervals['0.8'].lower);
    expect(Object.keys(out.points[0].intervals)).toEqual(['0.8', '0.95']);
    expect(out).toMatchObject({ model: expect.any(String), backtest: { mase: expect.any(Number), smape: expect.any(Number), coverage: { '0.8': expect.any(Number), '0.95': expect.any(Number) } } });
  });

  it('prints a table and chart, and explains bad flags with exit 2', async () => {
    const r = runCli(['forecast', '--input', csv, '--horizon', '48']);
    expect(await r.exit).toBe(0);
    expect(r.stdout()).toMatch(/← chosen/);
    expect(r.stdout()).toMatch(/point\s+[▁▂▃▄▅▆▇█]+/);
    const bad = runCli(['forecast', '--input', csv, '--horizon', 'soon']);
    expect(await bad.exit).toBe(2);
    expect(bad.stderr()).toContain('--horizon soon');
    const noInput = runCli(['forecast']);
    expect(await noInput.exit).toBe(2);
    expect(noInput.stderr()).toContain('give --input');
  });
});
