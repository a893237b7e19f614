import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { DryRunActuator, ScaleLoop } from '../../src/scaler/index.js';
import { ModelBuilder } from '../../src/profiler/index.js';
import { runCli } from '../helpers/cli.js';

/** The round line of `scale --json` (warning lines may come first). */
const roundOf = (stdout: string): { round: any } => stdout.trim().split('\n').map((l) => JSON.parse(l)).find((o) => 'round' in o);

describe('scale (CLI and loop)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-scale-'));
  const csv = join(dir, 'rate.csv');
  const t0 = Date.UTC(2026, 0, 1);
  // ~300 req/s average with a daily swing, per 5 minutes.
  writeFileSync(csv, 'timestamp,value\n' + Array.from({ length: 4 * 288 }, (_, i) => `${new Date(t0 + i * 300_000).toISOString().slice(0, 19).replace('T', ' ')},${Math.round(300 + 150 * Math.sin((2 * Math.PI * i) / 288))}`).join('\n'));

  it('one dry-run round proposes a size from the forecast and the capacity', async () => {
    const r = runCli(['scale', '--input', csv, '--capacity', '50', '--current', '2', '--json', '--lead-time', '5m', '--horizon', '1h']);
    expect(await r.exit).toBe(0);
    const { round } = roundOf(r.stdout());
    expect(round.decision).toBe('applied');
    expect(round.applied).toMatch(/^dry run: would scale 2 → \d+$/);
    expect(round.proposal.replicas).toBeGreaterThan(2);
    expect(round.proposal.expectedRate).toBeGreaterThan(100);
    expect(round.proposal.reason).toMatch(/capacity 50 req\/s per replica/);
  });

  it('the loop serves the predicted rate and desired replicas for HPA/KEDA', async () => {
    const now = Date.now();
    const loop = new ScaleLoop({
      target: 'checkout', capacityPerReplica: 100, actuator: new DryRunActuator(2), intervalMs: 60_000,
      policy: { leadTimeMs: 0, targetUtilization: 0.5, headroom: 1 },
      forecast: async () => Array.from({ length: 5 }, (_, i) => ({ ts: now + i * 60_000, point: 400, upper: 420 })),
    });
    const m = await loop.serveMetrics();
    try {
      await loop.round();
      const keda = (await (await request(`${m.url}/keda`)).body.json()) as { desiredReplicas: number; predictedRate: number };
      expect(keda).toMatchObject({ desiredReplicas: 8, predictedRate: 400 });
      const text = await (await request(`${m.url}/metrics`)).body.text();
      expect(text).toContain('shadowtwin_scaler_desired_replicas{target="checkout"} 8');
      expect(text).toContain('shadowtwin_scaler_predicted_requests_per_second{target="checkout"} 400');
    } finally {
      m.server.close();
    }
  });

  it('explains a missing actuator setting with exit 2', async () => {
    const r = runCli(['scale', '--input', csv, '--capacity', '50', '--actuator', 'kubernetes']);
    expect(await r.exit).toBe(2);
    expect(r.stderr()).toContain('--actuator kubernetes needs --namespace and --deployment (or --statefulset)');
  });
});

describe('scale: units and short histories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-scale-units-'));

  it('a request model of a service averaging 0.05 req/s (3 requests per minute) stays at one replica', async () => {
    const model = join(dir, 'model.json');
    // A real model (the one reader refuses partial documents): 4, 3, 2 requests a minute for four days.
    const b = new ModelBuilder({ stepMs: 60_000 });
    const t0 = Date.UTC(2026, 0, 1);
    for (let m = 0; m < 4 * 1440; m++) for (let k = 0; k < [4, 3, 2][m % 3]!; k++) b.add({ ts: t0 + m * 60_000 + k * 7_000, method: 'GET', target: '/a', status: 200, resBytes: 10, client: `c${k}` });
    writeFileSync(model, JSON.stringify(b.build()));
    const r = runCli(['scale', '--input', model, '--capacity', '5', '--current', '1', '--json', '--horizon', '1h']);
    expect(await r.exit).toBe(0);
    const { round } = roundOf(r.stdout());
    expect(round.proposal.expectedRate).toBeLessThan(0.2);
    expect(round.proposal.replicas).toBe(1);
  });

  it('runs on two hours of one-minute rates (a new service)', async () => {
    const csv = join(dir, 'new.csv');
    const t0 = Date.UTC(2026, 0, 1, 10);
    writeFileSync(csv, 'timestamp,value\n' + Array.from({ length: 120 }, (_, i) => `${new Date(t0 + i * 60_000).toISOString()},${(40 + i / 4 + ((i * 7919) % 9)).toFixed(1)}`).join('\n') + '\n');
    const r = runCli(['scale', '--input', csv, '--capacity', '20', '--current', '1', '--json', '--horizon', '1h']);
    expect(await r.exit).toBe(0);
    const { round } = roundOf(r.stdout());
    expect(round.proposal.expectedRate).toBeGreaterThan(40);
    expect(round.proposal.replicas).toBeGreaterThan(1);
  });

  it('warns (stderr and a --json warning line) when the history ended long ago: the forecast is anchored at its end', async () => {
    const csv = join(dir, 'old.csv');
    const t0 = Date.UTC(2015, 0, 1);
    writeFileSync(csv, 'timestamp,value\n' + Array.from({ length: 2 * 288 }, (_, i) => `${new Date(t0 + i * 300_000).toISOString()},100`).join('\n') + '\n');
    const r = runCli(['scale', '--input', csv, '--capacity', '50', '--current', '2', '--json', '--horizon', '1h']);
    expect(await r.exit).toBe(0);
    expect(r.stderr()).toMatch(/warning: the history ends 2015-01-02 23:55 UTC, \d+ days ago: the forecast is anchored at the history's end/);
    const lines = r.stdout().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0].warning.message).toMatch(/anchored at the history's end/);
    expect(lines.some((l) => 'round' in l)).toBe(true);
  });

  it('refuses a horizon far beyond the history with exit 2', async () => {
    const csv = join(dir, 'short.csv');
    writeFileSync(csv, 'timestamp,value\n' + Array.from({ length: 50 }, (_, i) => `${new Date(Date.now() - (50 - i) * 60_000).toISOString()},10`).join('\n') + '\n');
    const r = runCli(['scale', '--input', csv, '--capacity', '5', '--current', '1', '--horizon', '30d']);
    expect(await r.exit).toBe(2);
    expect(r.stderr()).toMatch(/--horizon 30d is 43200 steps of 60s; at most 10080 \(the larger of 10× the 50-point history and a week/);
  });
});
