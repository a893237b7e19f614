import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ShadowtwinError } from '../common/index.js';
import { ControllerClient, eventLine, proposalLines, runsLines, statusLines, type RunRow } from '../control/client/index.js';
import { numberOrText, runCommand } from './run-command.js';

interface CtlFlags { controller?: string; token?: string; json?: boolean }

const out = (lines: string[] | string): void => { process.stdout.write(`${Array.isArray(lines) ? lines.join('\n') : lines}\n`); };
const json = (v: unknown): void => out(JSON.stringify(v, null, 2));
const q = encodeURIComponent;

function client(cmd: Command): { c: ControllerClient; flags: CtlFlags } {
  const flags = cmd.optsWithGlobals<CtlFlags>();
  const url = flags.controller ?? process.env.SHADOWTWIN_CONTROLLER_URL;
  if (!url) throw new ShadowtwinError('ST_ERR_USAGE', 'give --controller URL (the controller\'s HTTP address, e.g. http://127.0.0.1:7080)');
  return { c: new ControllerClient(url, flags.token ?? process.env.SHADOWTWIN_CONTROLLER_TOKEN), flags };
}

/** Runs a ctl subcommand: the client from the flags, errors through the exit-code table. */
function action<A extends unknown[]>(fn: (c: ControllerClient, flags: CtlFlags, ...args: A) => Promise<void>) {
  return (...args: unknown[]): Promise<void> => {
    const cmd = args[args.length - 1] as Command;
    return runCommand(async () => {
      const { c, flags } = client(cmd);
      await fn(c, flags, ...(args.slice(0, -1) as A));
    });
  };
}

function showRun(flags: CtlFlags, r: RunRow & { reason?: string }): void {
  if (flags.json) json(r);
  else out(`run ${r.id}: ${r.status}, ${r.service} → ${r.target}, factor ×${r.multiplier}${r.reason ? ` (${r.reason})` : ''}`);
}

/** `shadowtwin ctl`: a thin client of the controller's HTTP API (flags and printing only). */
export function registerCtlCommand(program: Command): void {
  const ctl = program
    .command('ctl')
    .description('talk to a running controller over its HTTP API: status, events, load runs, scaling proposals')
    .option('--controller <url>', 'the controller\'s HTTP address, e.g. http://127.0.0.1:7080 (also SHADOWTWIN_CONTROLLER_URL)')
    .option('--token <token>', 'the controller\'s bearer token (also SHADOWTWIN_CONTROLLER_TOKEN)')
    .option('--json', 'print the API\'s JSON instead of tables');

  ctl.command('status')
    .description('services (pods, rate vs forecast, scaling) and load runs; --json prints the state document')
    .action(action(async (c, flags) => {
      const state = await c.get<Parameters<typeof statusLines>[0]>('/api/v1/state');
      if (flags.json) json(state); else out(statusLines(state));
    }));

  ctl.command('events')
    .description('recent events; --follow keeps printing new ones (the event stream) until Ctrl-C')
    .option('--follow', 'follow the event stream (server-sent events) until interrupted')
    .option('--limit <n>', 'how many recent events to print first (default 20)')
    .action(action(async (c, flags, o: { follow?: boolean; limit?: string }) => {
      const limit = numberOrText(o.limit) ?? 20;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || limit > 10_000) throw new ShadowtwinError('ST_ERR_USAGE', `--limit ${o.limit}: give a whole number from 0 to 10000`);
      const print = (e: unknown): void => { if (flags.json) out(JSON.stringify(e)); else out(eventLine(e as Parameters<typeof eventLine>[0])); };
      const recent = await c.get<{ events: unknown[]; latestId: number }>(`/api/v1/events?after=0&limit=10000`);
      const shown = limit === 0 ? [] : recent.events.slice(-limit);
      for (const e of shown) print(e);
      if (!o.follow) return;
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await c.follow(`/api/v1/events/stream?after=${recent.latestId}`, print, stop.signal, () => process.stderr.write(`following the events after #${recent.latestId} (Ctrl-C to stop)\n`));
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    }));

  ctl.command('runs')
    .description('load runs: running ones first, then finished')
    .action(action(async (c, flags) => {
      const r = await c.get<{ runs: RunRow[] }>('/api/v1/runs');
      if (flags.json) json(r); else out(runsLines(r.runs));
    }));

  const run = ctl.command('run').description('start, adjust or stop a load run');
  run.command('start')
    .description('start a load run: a scenario file (YAML/JSON), or synthesized from the live model with --service and --rate or --forecast-multiple')
    .argument('[file]', 'scenario file (YAML or JSON)')
    .option('--service <name>', 'the service the run is for (its live route mix, its secondary)')
    .option('--rate <n>', 'synthesized run: requests per second')
    .option('--forecast-multiple <f>', 'synthesized run: this multiple of the service\'s forecast rate')
    .option('--target <url>', 'synthesized run: the secondary to load (default the service\'s configured secondary)')
    .option('--duration <duration>', 'synthesized run: how long (default 1m)')
    .action(action(async (c, flags, file: string | undefined, o: { service?: string; rate?: string; forecastMultiple?: string; target?: string; duration?: string }) => {
      let body: Record<string, unknown>;
      if (file !== undefined) {
        if (o.rate !== undefined || o.forecastMultiple !== undefined || o.target !== undefined || o.duration !== undefined) throw new ShadowtwinError('ST_ERR_USAGE', 'give a scenario FILE or --rate/--forecast-multiple (with --target, --duration), not both');
        let text: string;
        try { text = readFileSync(file, 'utf8'); } catch (cause) { throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `cannot read the scenario ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause }); }
        body = { scenario: text, ...(o.service ? { service: o.service } : {}) };
      } else {
        if (!o.service || (o.rate === undefined) === (o.forecastMultiple === undefined)) throw new ShadowtwinError('ST_ERR_USAGE', 'give a scenario FILE, or --service S with --rate N or --forecast-multiple F');
        body = {
          service: o.service,
          ...(o.rate !== undefined ? { rate: numberOrText(o.rate) } : { forecastMultiple: numberOrText(o.forecastMultiple) }),
          ...(o.target ? { target: o.target } : {}), ...(o.duration ? { duration: o.duration } : {}),
        };
      }
      showRun(flags, await c.post<RunRow>('/api/v1/runs/start', body));
    }));
  run.command('adjust')
    .description('change a running run\'s intensity: FACTOR times its started rate (takes effect within 1 s)')
    .argument('<id>', 'the run id (ctl runs lists them)')
    .argument('<factor>', 'e.g. 2 for twice the started rate, 0.5 for half')
    .action(action(async (c, flags, id: string, factor: string) => {
      showRun(flags, await c.post<RunRow>(`/api/v1/runs/adjust?id=${q(id)}&factor=${q(factor)}`));
    }));
  run.command('stop')
    .description('stop a run (in-flight requests finish; its report is stored)')
    .argument('<id>', 'the run id')
    .action(action(async (c, flags, id: string) => {
      showRun(flags, await c.post<RunRow>(`/api/v1/runs/stop?id=${q(id)}`));
    }));

  ctl.command('proposals')
    .description('scaling proposals and decisions, pending ones marked')
    .action(action(async (c, flags) => {
      const r = await c.get<{ proposals: Parameters<typeof proposalLines>[0] }>('/api/v1/proposals');
      if (flags.json) json(r); else out(proposalLines(r.proposals ?? []));
    }));
  ctl.command('approve')
    .description('approve a pending scaling proposal (it is then validated and applied)')
    .argument('<id>', 'the proposal id (ctl proposals lists them)')
    .action(action(async (c, flags, id: string) => {
      const r = await c.post<{ id: string; record?: { decision?: string } }>(`/api/v1/proposals/approve?id=${q(id)}`);
      if (flags.json) json(r); else out(`proposal ${id} approved${r.record?.decision ? `: ${r.record.decision}` : ''}`);
    }));
  ctl.command('reject')
    .description('reject a pending scaling proposal, with the reason recorded')
    .argument('<id>', 'the proposal id')
    .requiredOption('--reason <text>', 'why (stored with the decision)')
    .action(action(async (c, flags, id: string, o: { reason: string }) => {
      const r = await c.post<{ id: string }>(`/api/v1/proposals/reject?id=${q(id)}&reason=${q(o.reason)}`);
      if (flags.json) json(r); else out(`proposal ${id} rejected`);
    }));
}
