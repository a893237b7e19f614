import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../../src/profiler/index.js';
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

describe('shadowtwin forecast: hostile inputs and flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-fcli-hostile-'));
  const t0 = Date.UTC(2026, 0, 1);
  const at = (ms: number, v: number): string => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')},${v}`;
  const daily = join(dir, 'daily.csv');
  writeFileSync(daily, 'timestamp,value\n' + Array.from({ length: 84 }, (_, i) => at(t0 + i * 86_400_000, [5, 6].includes(new Date(t0 + i * 86_400_000).getUTCDay()) ? 200 + (i % 3) : 1000 + ((i * 37) % 50))).join('\n'));

  it('after a long gap forecasts from the newest stretch, starting right after the last row, and says so', async () => {
    const csv = join(dir, 'gap.csv');
    const old = Array.from({ length: 2880 }, (_, i) => at(t0 + i * 300_000, 100 + (i % 7)));
    const from = t0 + 2880 * 300_000 + 20 * 86_400_000;
    const recent = Array.from({ length: 864 }, (_, i) => at(from + i * 300_000, 1000 + (i % 7)));
    writeFileSync(csv, 'timestamp,value\n' + [...old, ...recent].join('\n'));
    const r = runCli(['forecast', '--input', csv, '--horizon', '12', '--json']);
    expect(await r.exit).toBe(0);
    const out = JSON.parse(r.stdout());
    expect(out.points[0].ts).toBe(from + 864 * 300_000);
    expect(out.points[0].point).toBeGreaterThan(900);
    expect(out.skipped.byReason).toEqual({ before_gap: 2880 });
    expect(out.warnings[0]).toMatch(/newest 864 rows/);
  });

  it('daily data with a weekly cycle gets the week as its season', async () => {
    const r = runCli(['forecast', '--input', daily, '--horizon', '14', '--json']);
    expect(await r.exit).toBe(0);
    const out = JSON.parse(r.stdout());
    expect(out.season.period).toBe(7);
    const pts = out.points.map((p: { point: number }) => p.point);
    expect(Math.max(...pts) / Math.min(...pts)).toBeGreaterThan(3);
  });

  it('reads a .csv.gz as a CSV', async () => {
    const gz = join(dir, 'daily.csv.gz');
    writeFileSync(gz, gzipSync(readFileSync(daily)));
    const r = runCli(['forecast', '--input', gz, '--horizon', '7', '--json']);
    expect(await r.exit).toBe(0);
    expect(JSON.parse(r.stdout()).points).toHaveLength(7);
  });

  it('refuses an absurd horizon, conflicting inputs and meaningless --models with exit 2 and the fix', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--horizon', '10000000'], /at most 840 \(the larger of 10× the 84-point history and a week/],
      [['--prometheus', 'http://127.0.0.1:9'], /either --input or --prometheus, not both/],
      [['--models', 'ensemble'], /ST_ERR_USAGE: --models ensemble: the ensemble combines other models/],
      [['--models', ','], /ST_ERR_USAGE: --models ",": give auto or a comma list/],
    ];
    for (const [extra, msg] of cases) {
      const r = runCli(['forecast', '--input', daily, ...extra]);
      expect(await r.exit).toBe(2);
      expect(r.stderr()).toMatch(msg);
    }
  });

  it('a history too short says how much is needed and how to get it from a capture or model', async () => {
    const csv = join(dir, 'tiny.csv');
    writeFileSync(csv, 'timestamp,value\n' + Array.from({ length: 5 }, (_, i) => at(t0 + i * 300_000, 50)).join('\n'));
    const r = runCli(['forecast', '--input', csv, '--horizon', '2']);
    expect(await r.exit).toBe(2);
    expect(r.stderr()).toMatch(/the history has 5 point\(s\) of 300s; a forecast needs at least 12 \(1\.0 h at this step\): give a longer history/);
  });

  it('a request model from a few minutes of capture: says to build it with a smaller step', async () => {
    const b = new ModelBuilder({ stepMs: 60_000 });
    for (let s = 0; s < 150; s++) b.add({ ts: t0 + s * 1000, method: 'GET', target: '/a', status: 200, resBytes: 10, client: 'c' });
    const model = join(dir, 'model.json');
    writeFileSync(model, JSON.stringify(b.build()));
    const r = runCli(['forecast', '--input', model, '--horizon', '1h']);
    expect(await r.exit).toBe(2);
    expect(r.stderr()).toMatch(/the history has 3 point\(s\) of 60s; a forecast needs at least 12 \(12 min at this step\)/);
    expect(r.stderr()).toMatch(/profile build <capture> --step 10s/);
  });
});
