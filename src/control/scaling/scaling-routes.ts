import type { IncomingMessage } from 'node:http';
import { ShadowtwinError, type EndpointHandler } from '../../common/index.js';
import type { ScalingHost } from './scaling-host.js';

function param(req: IncomingMessage, key: string, required: boolean): string | undefined {
  const v = new URL(req.url ?? '/', 'http://x').searchParams.get(key) ?? undefined;
  if (required && !v) throw new ShadowtwinError('ST_ERR_ADMIN_BAD_REQUEST', `give ?${key}=…; GET /api/v1/proposals lists the proposals with their ids`);
  return v;
}

/** The scaling part of the controller's HTTP API: records (pending ones marked), approve, reject. */
export function scalingRoutes(scaling: ScalingHost): Record<string, EndpointHandler> {
  return {
    'GET /api/v1/proposals': (req) => {
      const service = param(req, 'service', false);
      const target = param(req, 'target', false);
      const limit = Number(param(req, 'limit', false) ?? 50);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) throw new ShadowtwinError('ST_ERR_ADMIN_BAD_REQUEST', '?limit= must be a whole number from 1 to 1000');
      return { body: { proposals: scaling.list({ ...(service ? { service } : {}), ...(target ? { target } : {}), limit }) } };
    },
    'POST /api/v1/proposals/approve': async (req) => ({ body: { id: param(req, 'id', true), record: await scaling.approve(param(req, 'id', true)!) } }),
    'POST /api/v1/proposals/reject': async (req) => {
      const reason = param(req, 'reason', true)!;
      return { body: { id: param(req, 'id', true), record: await scaling.reject(param(req, 'id', true)!, reason) } };
    },
  };
}
