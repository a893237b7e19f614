import type { IncomingMessage } from 'node:http';
import { BodyTooLargeError, readSmallBody, ShadowtwinError, type EndpointHandler } from '../../common/index.js';
import type { RunManager } from './run-manager.js';
import { parseRunStart } from './run-request.js';

/** Largest start request body (a scenario document is far smaller). */
export const MAX_RUN_BODY_BYTES = 256 * 1024;

function query(req: IncomingMessage, key: string): string {
  const v = new URL(req.url ?? '/', 'http://x').searchParams.get(key);
  if (!v) throw new ShadowtwinError('ST_ERR_ADMIN_BAD_REQUEST', `give ?${key}=…${key === 'id' ? ' (GET /api/v1/runs lists the runs)' : ''}`);
  return v;
}

/** The JSON body, refused (413) past the limit before it is buffered further. */
export async function readJsonBody(req: IncomingMessage, max = MAX_RUN_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) { req.resume(); throw new ShadowtwinError('ST_ERR_ADMIN_BODY_TOO_LARGE', `the request body is ${declared} bytes, over the ${max}-byte limit for a run request`); }
  let text: string;
  try {
    text = await readSmallBody(req, max);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new ShadowtwinError('ST_ERR_ADMIN_BODY_TOO_LARGE', `the request body is over the ${max}-byte limit for a run request`);
    throw err;
  }
  if (text.trim() === '') throw new ShadowtwinError('ST_ERR_CONTROL_RUN_INVALID', 'the request has no body; send JSON such as {"service":"shop","rate":50}');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ShadowtwinError('ST_ERR_ADMIN_BAD_REQUEST', `the request body is not JSON: ${(err as Error).message}`);
  }
}

/** The load-run routes of the controller's HTTP API (docs/controller.md, "Load runs"). */
export function runRoutes(runs: RunManager): Record<string, EndpointHandler> {
  return {
    'GET /api/v1/runs': () => ({ body: { runs: runs.list() } }),
    'GET /api/v1/runs/report': (req) => ({ body: runs.report(query(req, 'id')) }),
    'POST /api/v1/runs/start': async (req) => ({ status: 201, body: await runs.start(parseRunStart(await readJsonBody(req))) }),
    'POST /api/v1/runs/adjust': (req) => {
      const text = query(req, 'factor');
      const factor = Number(text);
      if (!Number.isFinite(factor)) throw new ShadowtwinError('ST_ERR_CONTROL_RUN_INVALID', `?factor=${text}: give a number above 0 (2 = twice the started rate)`);
      return { body: runs.adjust(query(req, 'id'), factor) };
    },
    'POST /api/v1/runs/stop': (req) => ({ body: runs.stop(query(req, 'id')) }),
  };
}
