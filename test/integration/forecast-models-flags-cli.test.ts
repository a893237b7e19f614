import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const RATE = fileURLToPath(new URL('../../examples/rate.csv', import.meta.url));

describe('forecast --models LIST --prophet (the real CLI)', () => {
  it('backtests the flagged model with the listed ones', async () => {
    const run = runCli(['forecast', '--input', RATE, '--horizon', '6h', '--models', 'smedian-7', '--prophet', '--json']);
    expect(await run.exit).toBe(0);
    const out = JSON.parse(run.stdout()) as { backtest: { models: Array<{ model: string }> } };
    expect(out.backtest.models.map((m) => m.model)).toEqual(expect.arrayContaining(['prophet', 'smedian-7']));
  }, 60_000);

  it('says why --clean-anomalies cannot apply to the list (exit 2)', async () => {
    const run = runCli(['forecast', '--input', RATE, '--horizon', '6h', '--models', 'smedian-7', '--clean-anomalies']);
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toMatch(/ST_ERR_USAGE: --clean-anomalies/);
  });
});
