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

describe('shadowtwin forecast: hostile CSV and short histories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-fcli-bad-'));
  const t0 = Date.UTC(2026, 0, 1);
  const row = (i: number, v: string | number): string => `${new Date(t0 + i * 300_000).toISOString()},${v}`;

  it('reports skipped rows with their reasons and lines, and forecasts from the rest', async () => {
    const csv = join(dir, 'bad.csv');
    const lines = Array.from({ length: 40 }, (_, i) => row(i, 100));
    lines.splice(5, 0, row(4, 100), row(41, -3), row(42, '1e300'), '9999-01-01 00:00:00,5');
    writeFileSync(csv, 'timestamp,value\n' + lines.join('\n') + '\n');
    const r = runCli(['forecast', '--input', csv, '--horizon', '3', '--json']);
    expect(await r.exit).toBe(0);
    const out = JSON.parse(r.stdout());
    expect(out.points[0].point).toBe(100);
    expect(out.skipped.byReason).toEqual({ duplicate_time: 1, negative: 1, bad_value: 1, bad_time: 1 });
    expect(r.stderr()).not.toMatch(/at .*\.js/);
    const text = runCli(['forecast', '--input', csv, '--horizon', '3']);
    expect(await text.exit).toBe(0);
    expect(text.stderr()).toContain('skipped 4 row(s): ');
    for (const part of ['1 duplicate_time (line 7)', '1 negative (line 8)', '1 bad_value (line 9)', '1 bad_time (line 10)']) expect(text.stderr()).toContain(part);
  });

  it('two hours of one-minute data: forecasts with --season 1h and with --models naive (exactly naive)', async () => {
    const csv = join(dir, 'short.csv');
    writeFileSync(csv, 'timestamp,value\n' + Array.from({ length: 120 }, (_, i) => `${new Date(t0 + i * 60_000).toISOString()},${(3 + ((i * 7919) % 7) / 10).toFixed(2)}`).join('\n') + '\n');
    for (const extra of [[], ['--season', '1h'], ['--models', 'naive']]) {
      const r = runCli(['forecast', '--input', csv, '--horizon', '10', '--json', ...extra]);
      expect(await r.exit).toBe(0);
      const out = JSON.parse(r.stdout());
      expect(out.points).toHaveLength(10);
      expect(out.unit).toBe('req/s');
      if (extra[0] === '--models') expect(out.model).toBe('naive');
    }
  });
});
