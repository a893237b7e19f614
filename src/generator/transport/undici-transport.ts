import { Pool, type Dispatcher } from 'undici';
import type { GeneratorFault } from '../faults.js';
import type { HttpOptions } from '../load-run.js';
import type { RequestSpec } from '../sources/request-source.js';
import { malformedBody, type Settle, type Transport } from './transport.js';

class FaultError extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}

/**
 * undici: TLS, HTTP/2, pipelining, and the request faults that shape a
 * request (timeout, abort, churn over a pool of its own, oversized header,
 * malformed and slow bodies). `invalid-header` is not here: undici refuses
 * to build such a request (RawTransport sends it).
 */
export class UndiciTransport implements Transport {
  private readonly pool: Pool;
  /** Connection churn gets its own small pool so it cannot starve the main one. */
  private readonly churnPool: Pool;

  constructor(target: string, h: HttpOptions) {
    const connect = { timeout: Math.min(h.timeoutMs, 10_000), ...(h.tlsInsecure ? { rejectUnauthorized: false } : {}), ...(h.ca ? { ca: h.ca } : {}) };
    const common = { headersTimeout: h.timeoutMs, bodyTimeout: h.timeoutMs, connect };
    this.pool = new Pool(target, { ...common, connections: h.connections, pipelining: h.pipelining, ...(h.http2 ? { allowH2: true } : {}) });
    this.churnPool = new Pool(target, { ...common, connections: 16, pipelining: 1 });
    this.pool.on('connectionError', () => undefined);
    this.churnPool.on('connectionError', () => undefined);
  }

  send(spec: RequestSpec, headers: Record<string, string>, fault: GeneratorFault | undefined, settle: Settle): void {
    let body: Dispatcher.DispatchOptions['body'] = spec.body;
    let pool = this.pool;
    let timeoutMs = -1;
    let abortAfterMs = -1;
    switch (fault?.kind) {
      case 'timeout': timeoutMs = fault.ms ?? 100; break; // 0 = give up at once
      case 'abort': abortAfterMs = fault.ms ?? 0; break;
      case 'churn': pool = this.churnPool; break;
      default: break;
    }
    let sendHeaders = headers;
    if (fault?.kind === 'oversized-header') sendHeaders = { ...headers, 'x-shadowtwin-pad': 'p'.repeat(fault.bytes ?? 32 * 1024) };
    if (fault?.kind === 'malformed-body') {
      body = malformedBody(spec);
      sendHeaders = { ...headers, 'content-type': headers['content-type'] ?? 'application/json' };
    }
    if (fault?.kind === 'slow-body') {
      const size = spec.body?.length || (fault.bytes ?? 1024);
      const payload = spec.body ?? Buffer.alloc(size, 0x61);
      body = trickle(payload, fault.bytesPerSec ?? 1024) as unknown as Dispatcher.DispatchOptions['body'];
      sendHeaders = { ...headers, 'content-length': String(payload.length) };
    }

    let status = 0;
    let resBytes = 0;
    let abort: ((err?: Error) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (err: { code?: string } | undefined): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      settle(err, status, resBytes);
    };
    const handler: Dispatcher.DispatchHandler = {
      onConnect: (a) => {
        abort = a;
        if (abortAfterMs >= 0) timer = setTimeout(() => a(new FaultError('ST_ABORTED', 'aborted by fault')), abortAfterMs);
      },
      onHeaders: (s) => { status = s; return true; },
      onData: (chunk) => { resBytes += chunk.length; return true; },
      onComplete: () => finish(undefined),
      onError: (err) => finish(err as { code?: string }),
    };
    if (timeoutMs >= 0) timer = setTimeout(() => abort?.(new FaultError('ST_TIMEOUT', 'client timeout (fault)')), timeoutMs);
    try {
      pool.dispatch({ path: spec.path, method: spec.method as Dispatcher.HttpMethod, headers: sendHeaders, body, reset: fault?.kind === 'churn' }, handler);
    } catch (err) {
      finish(err as { code?: string });
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.churnPool.close()]);
  }
}

async function* trickle(payload: Buffer, bytesPerSec: number): AsyncGenerator<Buffer> {
  const chunk = Math.max(1, Math.floor(bytesPerSec / 10));
  for (let i = 0; i < payload.length; i += chunk) {
    yield payload.subarray(i, i + chunk);
    await new Promise((r) => setTimeout(r, 100));
  }
}
