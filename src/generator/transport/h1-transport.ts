import { Http1Pool, renderRequest } from '../../common/index.js';
import type { RequestSpec } from '../sources/request-source.js';
import type { Settle, Transport } from './transport.js';

/**
 * Plain-http runs without faults or pipelining: pre-rendered request bytes
 * (once per spec: specs are reused) over raw keep-alive HTTP/1.1
 * connections. The fastest path; undici serves everything else.
 */
export class H1Transport implements Transport {
  private readonly pool: Http1Pool;
  private readonly rendered = new WeakMap<RequestSpec, Buffer>();

  constructor(private readonly target: URL, connections: number, timeoutMs: number) {
    this.pool = new Http1Pool(target.hostname, Number(target.port || 80), connections, timeoutMs);
  }

  send(spec: RequestSpec, headers: Record<string, string>, _fault: undefined, settle: Settle): void {
    let bytes = this.rendered.get(spec);
    if (!bytes) { bytes = renderRequest(spec.method, spec.path, this.target.host, headers, spec.body); this.rendered.set(spec, bytes); }
    this.pool.send(bytes, spec.method === 'HEAD', settle);
  }

  close(): Promise<void> {
    this.pool.close();
    return Promise.resolve();
  }
}
