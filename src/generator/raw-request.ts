import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface RawResult {
  /** Response status, or 0 when the connection ended without one. */
  status: number;
  /** A transport error code (ECONNRESET, ECONNREFUSED, ETIMEDOUT, …) when there was no status. */
  error?: string;
  bytes: number;
}

/**
 * Sends one hand-written HTTP/1.1 request over a fresh connection and reads
 * the status line: for requests an HTTP client refuses to build (undici
 * validates header names and values), such as the `invalid-header` fault.
 * The connection closes after the response head; nothing is pipelined.
 */
export function rawRequest(target: URL, head: string, body: Buffer | undefined, timeoutMs: number, tlsInsecure = false): Promise<RawResult> {
  return new Promise((resolve) => {
    const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
    const socket: Socket = target.protocol === 'https:'
      ? tlsConnect({ host: target.hostname, port, servername: target.hostname, rejectUnauthorized: !tlsInsecure, ALPNProtocols: ['http/1.1'] })
      : connect({ host: target.hostname, port });
    let received = '';
    let bytes = 0;
    let done = false;
    const finish = (r: RawResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ status: 0, error: 'ETIMEDOUT', bytes }), timeoutMs);
    socket.setNoDelay(true);
    socket.on(target.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      socket.write(head);
      if (body?.length) socket.write(body);
    });
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (received.length < 64) received += chunk.toString('latin1', 0, Math.min(chunk.length, 64));
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      if (m) finish({ status: Number(m[1]), bytes });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish({ status: 0, error: err.code ?? 'error', bytes }));
    socket.on('close', () => finish({ status: 0, error: 'ECONNRESET', bytes }));
  });
}

/**
 * The request head of the `invalid-header` fault: the request's own headers
 * plus one that no conforming server may accept (RFC 9110/9112): a control
 * character in a header value, a space before the colon, or a line without
 * one. Servers should answer 400; the report shows what the secondary did.
 */
export function invalidHeaderHead(method: string, path: string, host: string, headers: Record<string, string>, bodyLength: number, variant: number): string {
  const lines = [`${method} ${path} HTTP/1.1`, `host: ${host}`];
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== 'host' && k.toLowerCase() !== 'content-length') lines.push(`${k}: ${v}`);
  if (bodyLength > 0) lines.push(`content-length: ${bodyLength}`);
  lines.push(['x-shadowtwin-fault: bad\u0001value', 'x-shadowtwin-fault : space-before-colon', 'x-shadowtwin-fault-without-colon'][variant % 3]!);
  lines.push('connection: close');
  return lines.join('\r\n') + '\r\n\r\n';
}
