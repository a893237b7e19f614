import { invalidHeaderHead, rawRequest } from '../raw-request.js';
import type { RequestSpec } from '../sources/request-source.js';
import type { Settle, Transport } from './transport.js';

/**
 * The `invalid-header` fault: a request head no server may accept, which
 * undici refuses to build, over a fresh raw connection of its own (a control
 * character in a value, a space before the colon, a line without a colon, in turn).
 */
export class RawTransport implements Transport {
  private variant = 0;

  constructor(private readonly target: URL, private readonly timeoutMs: number, private readonly tlsInsecure: boolean) {}

  send(spec: RequestSpec, headers: Record<string, string>, _fault: unknown, settle: Settle): void {
    const head = invalidHeaderHead(spec.method, spec.path, this.target.host, headers, spec.body?.length ?? 0, this.variant++);
    void rawRequest(this.target, head, spec.body ?? undefined, this.timeoutMs, this.tlsInsecure)
      .then((r) => settle(r.status ? undefined : { code: r.error }, r.status, r.bytes));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
