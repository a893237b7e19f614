import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { readBody, startServer, type TestServer } from '../helpers/servers.js';

const TOKEN = 'ctl-proposals-token-0123456789ab';

/**
 * The client side of the proposal commands: the paths, queries and token
 * they send, and how they print the answers. The endpoints come with the
 * controller's scaling (GET /api/v1/proposals, POST …/approve?id=,
 * POST …/reject?id=&reason=); this server answers them in that shape.
 */
describe('shadowtwin ctl proposals / approve / reject (client side)', () => {
  let server: TestServer | undefined;
  afterEach(async () => { await server?.close(); });

  it('lists proposals as a table, approves and rejects with the reason, and sends the token', async () => {
    const seen: Array<{ method: string; url: string; auth: string | undefined }> = [];
    const record = { kind: 'shadowtwin.scale-record', version: 1, service: 'shop', decision: 'unchanged', proposal: { target: 'shop-pool', current: 2, replicas: 3, expectedRate: 120, horizonMs: 600_000, confidence: 0.82, reason: 'forecast peak above capacity', createdAt: '2026-12-02T10:00:00Z' }, validation: [], startedAt: 1, decidedAt: 2 };
    server = await startServer((req, res) => {
      void readBody(req).then(() => {
        seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization });
        res.setHeader('content-type', 'application/json');
        if (req.headers.authorization !== `Bearer ${TOKEN}`) { res.statusCode = 401; res.end('{"error":{"code":"ST_ERR_ADMIN_UNAUTHORIZED","message":"token"}}'); return; }
        if (req.url === '/api/v1/proposals') res.end(JSON.stringify({ proposals: [{ id: 'p-1', pending: true, record }] }));
        else if (req.url?.startsWith('/api/v1/proposals/approve')) res.end(JSON.stringify({ id: 'p-1', record: { ...record, decision: 'applied' } }));
        else if (req.url?.startsWith('/api/v1/proposals/reject')) res.end(JSON.stringify({ id: 'p-1', record: { ...record, decision: 'rejected' } }));
        else { res.statusCode = 404; res.end('{"error":{"code":"ST_ERR_ADMIN_NOT_FOUND","message":"no endpoint"}}'); }
      });
    });
    const run = async (args: string[]): Promise<{ code: number | null; out: string; err: string }> => {
      const r = runCli(['ctl', ...args, '--controller', server!.url, '--token', TOKEN], { SHADOWTWIN_CONTROLLER_TOKEN: '' });
      return { code: await r.exit, out: r.stdout(), err: r.stderr() };
    };
    const list = await run(['proposals']);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(/ID\s+SERVICE\s+TARGET\s+REPLICAS/);
    expect(list.out).toMatch(/^p-1\s+shop\s+shop-pool\s+2 → 3\s+120\.0\s+82%\s+pending\s+forecast peak above capacity/m);
    const approve = await run(['approve', 'p-1']);
    expect(approve.code, approve.err).toBe(0);
    expect(approve.out).toMatch(/proposal p-1 approved: applied/);
    const reject = await run(['reject', 'p-1', '--reason', 'not during the sale']);
    expect(reject.code, reject.err).toBe(0);
    expect(reject.out).toMatch(/proposal p-1 rejected/);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /api/v1/proposals',
      'POST /api/v1/proposals/approve?id=p-1',
      'POST /api/v1/proposals/reject?id=p-1&reason=not%20during%20the%20sale',
    ]);
    expect(seen.every((s) => s.auth === `Bearer ${TOKEN}`)).toBe(true);
    const missingReason = runCli(['ctl', 'reject', 'p-1', '--controller', server.url]);
    expect(await missingReason.exit).toBe(2);
    expect(missingReason.stderr()).toMatch(/--reason/);
  }, 30_000);
});
